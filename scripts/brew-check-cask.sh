#!/usr/bin/env bash
# `brew style` and `brew audit` of a generated cask, on a Mac with Homebrew (the release
# workflow's cask-check job, ci.yml's macOS job). The cask goes into a throwaway local tap, as
# `brew audit` only audits casks in a tap. No --online: the release it points at may still be a
# draft (or, in CI, not exist at all).
#
#   bash scripts/brew-check-cask.sh path/to/outlook-connect.rb
set -euo pipefail
if [ $# -ne 1 ] || [ ! -s "$1" ]; then echo "usage: brew-check-cask.sh CASK.rb" >&2; exit 2; fi
command -v brew >/dev/null || { echo "brew-check-cask.sh: Homebrew is not installed" >&2; exit 1; }
export HOMEBREW_NO_AUTO_UPDATE=1 HOMEBREW_NO_ANALYTICS=1 HOMEBREW_NO_INSTALL_FROM_API=1
tap="outlookconnect-local/check"
token="$(basename "$1" .rb)"
brew untap "$tap" >/dev/null 2>&1 || true
brew tap-new --no-git "$tap" >/dev/null
trap 'brew untap "$tap" >/dev/null 2>&1 || true' EXIT
dir="$(brew --repository "$tap")/Casks"
mkdir -p "$dir"
cp "$1" "$dir/$token.rb"
echo "==> brew style $tap/$token"
brew style --cask "$tap/$token"
echo "==> brew audit --cask --strict $tap/$token"
brew audit --cask --strict "$tap/$token"
echo "==> brew info"
brew info --cask "$tap/$token"
