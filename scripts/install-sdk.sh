#!/usr/bin/env bash
# Installs the official Python client, aragora-sdk (pinned), into .build/sdk-venv for the compatibility test
# (Tests/AragoraServerTests/SDKCompatibilityTests.swift). Needs PyPI; `swift test` itself never downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=2.11.0
python3 -m venv .build/sdk-venv
.build/sdk-venv/bin/python -m pip install -q "aragora-sdk==$VERSION"
.build/sdk-venv/bin/python -c "import aragora_sdk, importlib.metadata as m; print('aragora-sdk', m.version('aragora-sdk'), 'in .build/sdk-venv')"
