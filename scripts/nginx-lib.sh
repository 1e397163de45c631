# shellcheck shell=bash
# Helpers to run a private nginx on 127.0.0.1 serving a directory (sourced by
# scripts/quickstart.sh and bench/resolve_bench.sh; not meant to be executed).
#
#   nginx_start WWW_ROOT WORK_DIR   # sets NGINX_PORT, NGINX_PID, NGINX_URL
#   (NGINX_ACCESS_LOG=1 before nginx_start: requests logged to WORK_DIR/access.log;
#    NGINX_SERVER_EXTRA: directives added to the server block, e.g. a capped location)
#   nginx_stop                      # idempotent; call it from an EXIT trap
#
# nginx runs in the foreground ("daemon off") as a background job of the
# calling shell, with its config, pid file, logs and temp dirs all in WORK_DIR.
# It never touches /etc/nginx or a system nginx on port 80.

# shellcheck disable=SC2034  # NGINX_PORT, NGINX_URL, NGINX_WORK are for the caller
NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
NGINX_PORT=""
NGINX_PID=""
NGINX_URL=""
NGINX_WORK=""

# True if something is listening on 127.0.0.1:$1 or *:$1 (TCP, IPv4 or IPv6).
_nginx_port_in_use() {
  local hex
  hex=$(printf '%04X' "$1")
  # Column 2 is local address ADDR:PORT (hex), column 4 the state (0A = LISTEN).
  awk -v p="$hex" 'NR > 1 { split($2, a, ":"); if (a[2] == p && $4 == "0A") found = 1 }
                   END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

_nginx_write_conf() { # $1 = conf file, $2 = port, $3 = www root, $4 = work dir
  local user_line=""
  # As root, nginx would run its workers as "nobody", which cannot read files
  # in our 0700 temp dirs; keep the workers as the invoking user instead.
  if [[ "$(id -u)" -eq 0 ]]; then user_line="user root root;"; fi
  local access_line="access_log off;"
  if [[ "${NGINX_ACCESS_LOG:-0}" == 1 ]]; then access_line="access_log $4/access.log;"; fi
  cat >"$1" <<CONF
$user_line
daemon off;
worker_processes 1;
pid $4/nginx.pid;
error_log $4/error.log warn;
events { worker_connections 256; }
http {
    $access_line
    client_body_temp_path $4/tmp/body;
    proxy_temp_path $4/tmp/proxy;
    fastcgi_temp_path $4/tmp/fastcgi;
    uwsgi_temp_path $4/tmp/uwsgi;
    scgi_temp_path $4/tmp/scgi;
    types {
        application/gzip gz tgz;
        application/x-tar tar;
    }
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30;
    server {
        listen 127.0.0.1:$2;
        server_name localhost;
        root $3;
        location / { autoindex on; }
        ${NGINX_SERVER_EXTRA:-}
    }
}
CONF
}

# nginx_start WWW_ROOT WORK_DIR
nginx_start() {
  local root="$1" work="$2" attempt port
  if [[ ! -x "$NGINX_BIN" ]]; then
    echo "nginx not found at $NGINX_BIN (install nginx-light: scripts/install-deps.sh)" >&2
    return 1
  fi
  root="$(cd "$root" && pwd)"
  mkdir -p "$work/tmp"
  work="$(cd "$work" && pwd)"
  NGINX_WORK="$work"
  for attempt in $(seq 1 30); do
    port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if _nginx_port_in_use "$port"; then continue; fi
    _nginx_write_conf "$work/nginx.conf" "$port" "$root" "$work"
    rm -f "$work/nginx.pid"
    : >"$work/error.log"
    : >"$work/nginx.out"
    "$NGINX_BIN" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" </dev/null \
      >>"$work/nginx.out" 2>&1 &
    NGINX_PID=$!
    for _ in $(seq 1 100); do
      if ! kill -0 "$NGINX_PID" 2>/dev/null; then break; fi
      if curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/" 2>/dev/null; then
        NGINX_PORT="$port"
        NGINX_URL="http://127.0.0.1:$port"
        return 0
      fi
      sleep 0.05
    done
    # Not up: port taken in the meantime, or a real error.
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
    if ! grep -q "Address already in use" "$work/error.log" "$work/nginx.out" 2>/dev/null; then
      echo "nginx failed to start (attempt $attempt, port $port):" >&2
      tail -n 20 "$work/error.log" "$work/nginx.out" >&2 2>/dev/null || true
      return 1
    fi
  done
  echo "nginx: could not find a free port after 30 attempts" >&2
  return 1
}

nginx_stop() {
  if [[ -n "$NGINX_PID" ]]; then
    kill "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
}
