#!/usr/bin/env bash
# BBB post-publish hook: sends a published recording to Scalelite over HTTP(S), instead of a shared spool.
#
# Install on each BBB server as /usr/local/bigbluebutton/core/scripts/post_publish/scalelite_upload.sh (BBB runs
# every script there with `-m <record_id>` after publishing), and write /etc/default/scalelite-upload:
#   SCALELITE_URL=https://scalelite.example.com/bigbluebutton/api   # Scalelite's BBB API endpoint
#   BBB_SECRET=…                                                     # this server's secret (bbb-conf --secret)
#   PUBLISHED_DIR=/var/bigbluebutton/published                       # optional
# The tar has Ruby Scalelite's layout: <format>/<record_id>/…, uncompressed. The call is signed with this
# server's secret and carries the tar's SHA-256, so only pool servers can upload, and only the tar they signed.
set -euo pipefail

record_id=""
while getopts "m:" opt; do
  case "$opt" in
    m) record_id=$OPTARG ;;
    *) echo "usage: $0 -m RECORD_ID" >&2; exit 2 ;;
  esac
done
[ -n "$record_id" ] || { echo "usage: $0 -m RECORD_ID" >&2; exit 2; }

[ -f /etc/default/scalelite-upload ] && . /etc/default/scalelite-upload
: "${SCALELITE_URL:?set SCALELITE_URL in /etc/default/scalelite-upload}"
: "${BBB_SECRET:?set BBB_SECRET in /etc/default/scalelite-upload}"
published=${PUBLISHED_DIR:-/var/bigbluebutton/published}

cd "$published"
formats=()
for dir in */"$record_id"; do
  [ -d "$dir" ] && formats+=("$dir")
done
[ ${#formats[@]} -gt 0 ] || { echo "no published formats of $record_id in $published" >&2; exit 1; }

tar_file=$(mktemp --suffix=.tar)
trap 'rm -f "$tar_file"' EXIT
tar --create --file "$tar_file" "${formats[@]}"

sha=$(sha256sum "$tar_file" | cut -d' ' -f1)
query="recordID=${record_id}&sha256=${sha}"
checksum=$(printf '%s' "uploadRecording${query}${BBB_SECRET}" | sha256sum | cut -d' ' -f1)

answer=$(curl --fail --silent --show-error --retry "${UPLOAD_RETRIES:-5}" --retry-delay 10 --retry-all-errors \
  -X POST -H 'Content-Type: application/x-tar' --data-binary "@${tar_file}" \
  "${SCALELITE_URL%/}/uploadRecording?${query}&checksum=${checksum}")
case "$answer" in
  *"<returncode>SUCCESS</returncode>"*) echo "recording $record_id sent to Scalelite" ;;
  *) echo "Scalelite refused recording $record_id: $answer" >&2; exit 1 ;;
esac
