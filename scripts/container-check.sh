#!/usr/bin/env bash
# Container check without a container engine: replays the Dockerfile's two stages in a temp folder
# and probes the result the way Docker would run it.
#
#   builder  copy exactly what the builder stage COPYs, `npm run build`, then `npm pack`: the
#            tarball is package.json + the "files" list, i.e. what the runtime stage copies.
#   runtime  unpack it, `npm ci --omit=dev` against the repo's lockfile (what `npm ci` + `npm prune
#            --omit=dev` leave behind), then start the Dockerfile's CMD with its ENV, as a non-root
#            user when we are root (the image runs as `node`, with only data/ writable).
#   probes   the production start refused without CLIENT_AUTH and CORS_ORIGINS; then, with them (api-key),
#            /healthz, /readyz, /conference-token with and without the key, /openapi.yaml, /docs; the
#            Dockerfile's HEALTHCHECK; the CLI;
#            no dev dependency reachable; SIGTERM exits 0; the HEALTHCHECK fails once it is gone.
#
# CMD, HEALTHCHECK, ENV and the builder's COPY list are read from the Dockerfile, so this check and
# the image cannot drift apart. Exits non-zero when any check fails; the temp folder is always removed.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"
T0=$SECONDS

work="$(mktemp -d -t rtc-container-check.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
# The service user (nobody) must be able to reach the app inside the temp folder.
chmod 755 "$work"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "  PASS  $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1${2:+: $2}"; }
phase() { echo "== $1 ($((SECONDS - T0))s)"; }
# A prerequisite failed: nothing after it can be checked.
abort() {
  fail "$1" "${2:-}"
  [ -f "$work/step.log" ] && tail -n 40 "$work/step.log" | sed 's/^/        /'
  echo "container check: FAIL ($failed failed, $passed passed, $((SECONDS - T0))s)"
  exit 1
}

# --- Read the Dockerfile -------------------------------------------------------------------------
phase "reading Dockerfile"
node --input-type=module - "$REPO/Dockerfile" "$work" <<'EOF'
import { readFileSync, writeFileSync } from 'node:fs';
const [file, out] = process.argv.slice(2);
// Join continuation lines, drop comments, split into stages at FROM.
const lines = readFileSync(file, 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages = [];
for (const line of lines) {
  if (/^FROM\s/i.test(line)) stages.push([]);
  else stages.at(-1)?.push(line);
}
const [builder, runtime] = [stages[0] ?? [], stages.at(-1) ?? []];
const exec = (prefix, list) => {
  const line = list.findLast((l) => l.startsWith(prefix));
  if (!line) throw new Error(`Dockerfile: no ${prefix.trim()} in the runtime stage`);
  return JSON.parse(line.slice(line.indexOf('[')));
};
const health = runtime.findLast((l) => l.startsWith('HEALTHCHECK '));
if (!health) throw new Error('Dockerfile: no HEALTHCHECK in the runtime stage');
const env = runtime.filter((l) => l.startsWith('ENV ')).flatMap((l) => l.slice(4).trim().split(/\s+/));
const copies = builder.filter((l) => l.startsWith('COPY ') && !l.includes('--from')).flatMap((l) => l.split(/\s+/).slice(1, -1));
const runtimeCopies = runtime.filter((l) => l.startsWith('COPY --from=')).flatMap((l) => l.split(/\s+/).slice(2, -1));
const nul = (list) => list.map((s) => `${s}\0`).join('');
writeFileSync(`${out}/cmd`, nul(exec('CMD ', runtime)));
writeFileSync(`${out}/healthcheck`, nul(exec('CMD ', [health.slice(health.indexOf(' CMD ') + 1)])));
writeFileSync(`${out}/health-timeout`, /--timeout=(\d+)s/.exec(health)?.[1] ?? '30');
writeFileSync(`${out}/env`, nul(env));
writeFileSync(`${out}/builder-copies`, nul(copies));
writeFileSync(`${out}/runtime-copies`, nul(runtimeCopies));
EOF
mapfile -d '' CMD < "$work/cmd"
mapfile -d '' HEALTHCHECK < "$work/healthcheck"
mapfile -d '' IMAGE_ENV < "$work/env"
mapfile -d '' BUILDER_COPIES < "$work/builder-copies"
mapfile -d '' RUNTIME_COPIES < "$work/runtime-copies"
HEALTH_TIMEOUT="$(cat "$work/health-timeout")"
echo "   CMD: ${CMD[*]}"
echo "   ENV: ${IMAGE_ENV[*]}"

# Every path package.json "files" publishes must reach the runtime image too (a "!" entry excludes).
missing="$(node -e '
  const files = (require(process.argv[1]).files ?? []).filter((f) => !f.startsWith("!"));
  const copied = process.argv.slice(2).map((p) => p.replace(/^\/app\//, ""));
  console.log(files.filter((f) => !copied.includes(f)).join(" "));' "$REPO/package.json" "${RUNTIME_COPIES[@]}")"
if [ -z "$missing" ]; then pass "every package.json \"files\" entry is copied into the runtime stage"; else fail "runtime stage does not copy" "$missing"; fi

# docker-compose.yml cannot run here: check that it parses, that the app services set only settings
# (src/config/settings.ts lists them), and that they wait for healthy stores.
compose_problems="$(node --input-type=module - "$REPO" <<'EOF' 2>&1
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
const root = process.argv[2];
const settings = readFileSync(`${root}/src/config/settings.ts`, 'utf8');
const list = settings.slice(settings.indexOf('export const SETTINGS'), settings.indexOf('] as const'));
const known = new Set([...list.matchAll(/'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]));
const { services = {} } = YAML.parse(readFileSync(`${root}/docker-compose.yml`, 'utf8'), { merge: true });
const problems = [];
const apps = Object.entries(services).filter(([, s]) => s.build !== undefined);
if (apps.length === 0) problems.push('no service is built from the Dockerfile');
for (const [name, s] of apps) {
  for (const key of Object.keys(s.environment ?? {})) if (!known.has(key)) problems.push(`${name} sets ${key}, which is not a setting (src/config/settings.ts)`);
  for (const [dep, d] of Object.entries(s.depends_on ?? {})) {
    if (d?.condition !== 'service_healthy') problems.push(`${name} does not wait for ${dep} to be healthy`);
    if (!services[dep]?.healthcheck) problems.push(`${dep} has no healthcheck`);
  }
}
console.log(problems.join('; '));
EOF
)" || true
if [ -z "$compose_problems" ]; then pass "docker-compose.yml parses; app services set only settings and wait for healthy stores"; else fail "docker-compose.yml" "$compose_problems"; fi

# --- Builder stage -------------------------------------------------------------------------------
phase "builder: copy what the Dockerfile copies, npm run build, npm pack"
mkdir "$work/builder"
for pattern in "${BUILDER_COPIES[@]}"; do
  # Globs such as tsconfig*.json expand here as Docker expands them in the build context; each
  # COPY in the Dockerfile keeps its source's path (COPY scripts/build.mjs ./scripts/), as --parents does.
  # shellcheck disable=SC2086
  cp -R --parents $pattern "$work/builder/"
done
# The builder stage's `npm ci` would install exactly the repo's lockfile; reuse that install.
ln -s "$REPO/node_modules" "$work/builder/node_modules"
(cd "$work/builder" && npm run build) >"$work/step.log" 2>&1 || abort "npm run build in the builder copy"
pass "npm run build from the builder stage's COPY list"
tarball="$(cd "$work/builder" && npm pack --silent --pack-destination "$work" 2>>"$work/step.log" | tail -n 1)"
[ -f "$work/$tarball" ] || abort "npm pack"
listing="$(tar -tzf "$work/$tarball")"
for entry in package/package.json package/openapi.yaml package/dist/server.js package/dist/cli.js; do
  grep -qx "$entry" <<<"$listing" || abort "the tarball lacks $entry" "check package.json \"files\""
done
if grep -qE '^package/(src|test|node_modules)/|\.env$' <<<"$listing"; then fail "the tarball carries sources, tests or .env"; else pass "tarball $tarball holds dist/, openapi.yaml, package.json and no sources"; fi

# --- Runtime stage -------------------------------------------------------------------------------
phase "runtime: npm ci --omit=dev from the lockfile (better-sqlite3 may compile)"
app="$work/app"
mkdir "$app"
tar -xzf "$work/$tarball" -C "$app" --strip-components=1
cp "$REPO/package-lock.json" "$app/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund) >"$work/step.log" 2>&1 || abort "npm ci --omit=dev"
# The image has no lockfile, and only data/ is writable by the service.
rm "$app/package-lock.json"
mkdir "$app/data"
run_as=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chown nobody "$app/data"
  run_as=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi
pass "production install ($(ls "$app/node_modules" | wc -l) top-level packages)"
# As the builder stage does before the runtime stage copies node_modules: the server started below
# proves the pruned better-sqlite3 still loads.
prune_out="$(node "$REPO/scripts/prune-native.mjs" "$app/node_modules" 2>&1)" || abort "scripts/prune-native.mjs" "$prune_out"
pass "$prune_out"
node_image="$(sed -n 's/^FROM \(node:[^ ]*\).*/\1/p' "$REPO/Dockerfile" | tail -n 1)"
app_mb="$(du -sb "$app" | awk '{ printf "%.1f", $1 / 1e6 }')"
pass "runtime image size: ${app_mb} MB of application (node_modules, dist, package.json, openapi.yaml) on top of ${node_image} (the base image cannot be pulled here; this check runs on the machine's node $(node --version))"

if (cd "$app" && node -e "import('vitest').then(() => process.exit(1), () => process.exit(0))") \
  && [ ! -e "$app/node_modules/typescript" ]; then
  pass "no dev dependency is installed (vitest, typescript unreachable)"
else
  fail "dev dependencies are present in the runtime install"
fi

port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
MASTER_KEY="container-check"
MASTER_SECRET="container-check-secret-$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")"
CLIENT_KEY="container-check-client-$(node -e "console.log(require('crypto').randomBytes(16).toString('hex'))")"
# The container's environment: the image's ENV, then what `docker run -e` would add. Nothing else
# leaks in from this shell. The image runs in production, which requires CLIENT_AUTH and CORS_ORIGINS.
# MASTER_SECRET arrives as a file, as a Docker or Kubernetes secret does (MASTER_SECRET_FILE).
printf '%s\n' "$MASTER_SECRET" >"$work/master-secret"
[ ${#run_as[@]} -gt 0 ] && chown nobody "$work/master-secret"
chmod 0400 "$work/master-secret"
base_env=(env -i "PATH=$PATH" "HOME=$work" "${IMAGE_ENV[@]}" "PORT=$port" HOST=127.0.0.1
  "DATABASE_URL=sqlite:$app/data/meetings.db" "MASTER_KEY=$MASTER_KEY" "MASTER_SECRET_FILE=$work/master-secret")
run_env=("${base_env[@]}" CLIENT_AUTH=api-key "CLIENT_API_KEYS=$CLIENT_KEY" CORS_ORIGINS=https://app.example.com)

phase "runtime: the production start refuses an open set-up"
refused="$(cd "$app" && timeout 10s "${base_env[@]}" "${run_as[@]}" "${CMD[@]}" 2>&1)" && code=0 || code=$?
if [ "$code" = 1 ] && grep -q "CLIENT_AUTH must be set in production" <<<"$refused" && grep -q "CORS_ORIGINS must be set in production" <<<"$refused"; then
  pass "without CLIENT_AUTH and CORS_ORIGINS the image exits 1 naming both"
else
  fail "without CLIENT_AUTH and CORS_ORIGINS the image should exit 1 naming both" "exit $code: $(head -c 300 <<<"$refused")"
fi

phase "runtime: ${CMD[*]} on port $port${run_as:+ as nobody}"
cd "$app"
"${run_env[@]}" "${run_as[@]}" "${CMD[@]}" >"$work/server.log" 2>&1 &
server_pid=$!
cd "$REPO"

# GET a URL; prints the status on the first line, then the body. 000 when nothing answers.
get() {
  node -e '
    fetch(process.argv[1], { headers: { "X-API-Key": process.argv[2] }, signal: AbortSignal.timeout(5000) })
      .then(async (r) => console.log(`${r.status}\n${await r.text()}`), () => console.log("000"))' "http://127.0.0.1:$port$1" "$CLIENT_KEY"
}
for _ in $(seq 1 60); do
  [ "$(get /healthz | head -n 1)" = 200 ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.25
done

expect_status() {
  local path="$1" want="$2" got
  got="$(get "$path")"
  if [ "$(head -n 1 <<<"$got")" = "$want" ]; then pass "GET $path → $want"; else fail "GET $path → $want" "got $(head -c 300 <<<"$got" | tr '\n' ' ')"; fi
  body="$(tail -n +2 <<<"$got")"
}
expect_status /healthz 200
expect_status /readyz 200
expect_status '/conference-token?userId=alice&roomId=r1&role=admin' 200
# The token verifies with the runtime's own jsonwebtoken and the secret the container was given.
if (cd "$app" && node -e '
  const jwt = require("jsonwebtoken");
  const claims = jwt.verify(JSON.parse(process.argv[1]).token, process.argv[2], { algorithms: ["HS256"] });
  process.exit(claims.iss === process.argv[3] && claims.sub === "alice" ? 0 : 1);' "$body" "$MASTER_SECRET" "$MASTER_KEY") 2>/dev/null; then
  pass "the conference token verifies with the MASTER_SECRET given as MASTER_SECRET_FILE (iss, sub)"
else
  fail "the conference token does not verify" "$body"
fi
anon="$(node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => console.log(r.status), () => console.log("000"))' "http://127.0.0.1:$port/conference-token?userId=alice&roomId=r1&role=admin")"
if [ "$anon" = 401 ]; then pass "without X-API-Key the token route answers 401 (CLIENT_AUTH=api-key)"; else fail "without X-API-Key the token route should answer 401" "got $anon"; fi
# NODE_ENV=production from the image: no generated credentials, so unset providers answer 503.
expect_status '/access_token?channelName=probe' 503
# Served from files outside dist/: openapi.yaml at the package root, Swagger UI from node_modules.
expect_status /openapi.yaml 200
expect_status /docs 200
if [ -f "$app/data/meetings.db" ]; then pass "the SQLite store was created in data/"; else fail "no data/meetings.db"; fi

if (cd "$app" && timeout "${HEALTH_TIMEOUT}s" "${run_env[@]}" "${run_as[@]}" "${HEALTHCHECK[@]}"); then
  pass "the Dockerfile HEALTHCHECK command exits 0"
else
  fail "the Dockerfile HEALTHCHECK command failed"
fi

cli_out="$(cd "$app" && "${run_env[@]}" "${run_as[@]}" node dist/cli.js mint chat --userId alice --channelId general 2>&1)" \
  && [[ "$cli_out" =~ ^eyJ[A-Za-z0-9_.-]+$ ]] \
  && pass "node dist/cli.js mint chat prints a token in the runtime install" \
  || fail "node dist/cli.js mint chat" "$cli_out"

phase "SIGTERM"
kill -TERM "$server_pid"
code=0
wait "$server_pid" || code=$?
server_pid=""
if [ "$code" = 0 ]; then pass "SIGTERM → exit code 0"; else fail "SIGTERM → exit code 0" "got $code"; fi
if (cd "$app" && timeout "${HEALTH_TIMEOUT}s" "${run_env[@]}" "${HEALTHCHECK[@]}") 2>/dev/null; then
  fail "the HEALTHCHECK still passes with the server stopped"
else
  pass "the HEALTHCHECK fails once the server is gone"
fi

if [ "$failed" -gt 0 ]; then
  echo "== server log (last 30 lines)"
  tail -n 30 "$work/server.log" | sed 's/^/        /'
  echo "container check: FAIL ($failed failed, $passed passed, $((SECONDS - T0))s)"
  exit 1
fi
echo "container check: PASS ($passed checks, $((SECONDS - T0))s)"
