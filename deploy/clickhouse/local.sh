#!/usr/bin/env bash
# One local ClickHouse node for trying a fleet, configured as flightlog's tests
# configure theirs: Debian's clickhouse-server, data under DIR, HTTP on
# 127.0.0.1:HTTP_PORT, the `default` user without a password from 127.0.0.1
# only, and one cluster named `fleet` of this node.
#
# Usage: deploy/clickhouse/local.sh DIR [HTTP_PORT]   (default 8123; TCP is HTTP_PORT+877)
# Stop it with Ctrl-C (or SIGTERM); DIR keeps the data.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [HTTP_PORT]" >&2
  exit 2
fi
command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ] || {
  echo "clickhouse-server is not installed: sudo apt-get install clickhouse-server" >&2
  exit 1
}
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
http="${2:-8123}"
tcp=$((http + 877))
cat >"$dir/config.xml" <<XML
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <remote_servers><fleet><shard><replica><host>127.0.0.1</host><port>$tcp</port></replica></shard></fleet></remote_servers>
</yandex>
XML
cat >"$dir/users.xml" <<XML
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
echo "clickhouse on http://127.0.0.1:$http (data in $dir/data)" >&2
exec "$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)" --config-file="$dir/config.xml"
