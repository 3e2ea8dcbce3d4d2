//go:build !windows

package autostart

// platformRegistry: there is no registry here; New uses another backend.
func platformRegistry() registryAPI { return nil }
