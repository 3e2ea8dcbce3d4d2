#!/bin/sh
# Stands in for the person's browser: the app runs $BROWSER with the sign-in
# URL; the tests open what it records in a second browser page.
echo "$1" >> "$E2E_URL_FILE"
