// @ts-check
/// <reference lib="dom" />
/**
 * A virtual list of fixed-height rows: only the rows in view (and a few
 * around them) exist in the DOM, so an incident of 100,000 events scrolls
 * like one of 100.
 *
 * @module
 */

/**
 * @typedef {{ rowHeight: number, overscan?: number,
 *   render: (row: number, el: HTMLElement) => void,
 *   onSelect?: (row: number) => void }} TimelineOptions
 */

export class VirtualList {
  /**
   * @param {HTMLElement} viewport the scrolling element (its height is set by CSS)
   * @param {TimelineOptions} options
   */
  constructor(viewport, options) {
    this.viewport = viewport;
    this.rowHeight = options.rowHeight;
    this.overscan = options.overscan ?? 8;
    this.render = options.render;
    this.onSelect = options.onSelect ?? (() => {});
    this.count = 0;
    this.selected = -1;
    this.spacer = document.createElement("div");
    this.spacer.className = "spacer";
    viewport.replaceChildren(this.spacer);
    /** @type {Map<number, HTMLElement>} */
    this.shown = new Map();
    this.frame = 0;
    viewport.addEventListener("scroll", () => this.schedule(), {
      passive: true,
    });
    globalThis.addEventListener("resize", () => this.schedule());
    viewport.addEventListener("click", (e) => {
      const el = /** @type {HTMLElement | null} */ (
        /** @type {HTMLElement} */ (e.target).closest(".row")
      );
      if (!el || /** @type {HTMLElement} */ (e.target).closest("a")) return;
      this.select(Number(el.dataset.row));
    });
  }

  /**
   * Shows `count` rows from the top (after a filter change).
   * @param {number} count
   */
  reset(count) {
    this.count = count;
    this.spacer.style.height = `${count * this.rowHeight}px`;
    for (const el of this.shown.values()) el.remove();
    this.shown.clear();
    this.paint();
  }

  /** Repaints the visible rows, at the next frame. */
  schedule() {
    if (this.frame !== 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.paint();
    });
  }

  /** Redraws every visible row (after a change of highlight or selection). */
  refresh() {
    for (const [row, el] of this.shown) this.#draw(row, el);
  }

  /** Makes the rows in view exist, and drops the others. */
  paint() {
    const rh = this.rowHeight;
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / rh) - this.overscan);
    const last = Math.min(
      this.count - 1,
      Math.ceil((top + height) / rh) + this.overscan,
    );
    for (const [row, el] of this.shown) {
      if (row < first || row > last) {
        el.remove();
        this.shown.delete(row);
      }
    }
    for (let row = first; row <= last; row++) {
      if (this.shown.has(row)) continue;
      const el = document.createElement("div");
      el.style.transform = `translateY(${row * rh}px)`;
      this.#draw(row, el);
      this.viewport.append(el);
      this.shown.set(row, el);
    }
  }

  /**
   * @param {number} row
   * @param {HTMLElement} el
   */
  #draw(row, el) {
    el.className = "row";
    el.dataset.row = String(row);
    el.setAttribute("role", "listitem");
    this.render(row, el);
    if (row === this.selected) {
      el.classList.add("selected");
      el.setAttribute("aria-current", "true");
    } else el.removeAttribute("aria-current");
  }

  /**
   * Selects `row` (clamped), scrolls it into view and tells `onSelect`.
   * @param {number} row
   */
  select(row) {
    if (this.count === 0) return;
    const r = Math.min(this.count - 1, Math.max(0, row));
    this.selected = r;
    this.scrollTo(r);
    this.refresh();
    this.onSelect(r);
  }

  /**
   * Scrolls so that `row` is in view, centred when it was far away.
   * @param {number} row
   */
  scrollTo(row) {
    const rh = this.rowHeight;
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const y = row * rh;
    if (y >= top && y + rh <= top + height) return;
    const near = y >= top - 3 * rh && y <= top + height + 2 * rh;
    this.viewport.scrollTop = near
      ? (y < top ? y : y + rh - height)
      : y - height / 2;
    this.paint();
  }
}
