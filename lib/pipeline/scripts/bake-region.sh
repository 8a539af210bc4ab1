#!/usr/bin/env bash
# Bake step of the delivery pipeline: watch one Region's alarms for BAKE_SECONDS after its deployment
# and fail (stopping the rollout) as soon as one is in ALARM. Every call has a deadline; on any exit
# the script says what it last saw.
#   BAKE_REGION   the Region whose alarms are watched
#   BAKE_ALARMS   space-separated alarm names (composite and metric alarms)
#   BAKE_SECONDS  how long to watch
#   BAKE_POLL_SECONDS  seconds between reads (default 60)
#   BAKE_MAX_READ_FAILURES  consecutive failed reads tolerated (default 3)
set -euo pipefail
: "${BAKE_REGION:?BAKE_REGION is required}" "${BAKE_ALARMS:?BAKE_ALARMS is required}" "${BAKE_SECONDS:?BAKE_SECONDS is required}"
poll=${BAKE_POLL_SECONDS:-60}
max_failures=${BAKE_MAX_READ_FAILURES:-3}
read -r -a names <<< "${BAKE_ALARMS}"
deadline=$(( $(date +%s) + BAKE_SECONDS ))
failures=0
last="nothing yet"

while :; do
  if output=$(aws cloudwatch describe-alarms --region "${BAKE_REGION}" --alarm-names "${names[@]}" \
      --alarm-types CompositeAlarm MetricAlarm \
      --query '[MetricAlarms[].[AlarmName,StateValue,StateReason], CompositeAlarms[].[AlarmName,StateValue,StateReason]][]' \
      --output text --cli-connect-timeout 10 --cli-read-timeout 20 2>&1); then
    failures=0
    last=$output
    for name in "${names[@]}"; do
      if ! awk -F '\t' -v n="${name}" '$1 == n { found = 1 } END { exit !found }' <<< "${output}"; then
        echo "BAKE FAILED in ${BAKE_REGION}: alarm ${name} does not exist (the bake would watch nothing). Last seen:"
        echo "${last}"
        exit 1
      fi
    done
    firing=$(awk -F '\t' '$2 == "ALARM"' <<< "${output}")
    if [ -n "${firing}" ]; then
      echo "BAKE FAILED in ${BAKE_REGION}: in ALARM (name, state, reason):"
      echo "${firing}"
      echo "The rollout stops here; Regions after ${BAKE_REGION} keep the previous version."
      exit 1
    fi
  else
    failures=$(( failures + 1 ))
    echo "Reading the alarms of ${BAKE_REGION} failed (${failures}/${max_failures}): ${output}"
    if [ "${failures}" -ge "${max_failures}" ]; then
      echo "BAKE FAILED in ${BAKE_REGION}: the alarms could not be read ${max_failures} times in a row. Last seen:"
      echo "${last}"
      exit 1
    fi
  fi
  now=$(date +%s)
  if [ "${now}" -ge "${deadline}" ]; then
    echo "Baked ${BAKE_SECONDS} seconds in ${BAKE_REGION} with no alarm firing. Last seen (name, state, reason):"
    echo "${last}"
    exit 0
  fi
  remaining=$(( deadline - now ))
  sleep $(( poll < remaining ? poll : remaining ))
done
