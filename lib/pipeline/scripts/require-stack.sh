#!/usr/bin/env bash
# Guard step of the delivery pipeline: the other Regions roll out before the writer's, which is only
# safe once the writer's Region exists (its database members are the global clusters' writers). A
# platform that was never deployed is created with `cdk deploy --all` (README, First deployment).
#   REQUIRE_REGION  REQUIRE_STACK  the stack that must exist, complete
set -euo pipefail
: "${REQUIRE_REGION:?REQUIRE_REGION is required}" "${REQUIRE_STACK:?REQUIRE_STACK is required}"
if ! status=$(aws cloudformation describe-stacks --region "${REQUIRE_REGION}" --stack-name "${REQUIRE_STACK}" \
    --query 'Stacks[0].StackStatus' --output text --cli-connect-timeout 10 --cli-read-timeout 20 2>&1); then
  echo "GUARD FAILED: ${REQUIRE_STACK} in ${REQUIRE_REGION} could not be read: ${status}"
  echo "If the platform was never deployed, create it once with 'npx cdk deploy --all' (README, First deployment); the pipeline then rolls out updates."
  exit 1
fi
case "${status}" in
  CREATE_COMPLETE | UPDATE_COMPLETE | UPDATE_ROLLBACK_COMPLETE | IMPORT_COMPLETE)
    echo "${REQUIRE_STACK} in ${REQUIRE_REGION} is ${status}: the other Regions may roll out first."
    ;;
  *)
    echo "GUARD FAILED: ${REQUIRE_STACK} in ${REQUIRE_REGION} is ${status}, not complete."
    exit 1
    ;;
esac
