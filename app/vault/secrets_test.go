package vault

import "github.com/outlookconnect/outlook-connect/app/connect"

// *Vault is what the use cases call Secrets.
var _ connect.Secrets = (*Vault)(nil)
