//go:build windows

package autostart

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

func platformRegistry() registryAPI { return hkcu{} }

// hkcu is HKEY_CURRENT_USER. Each call opens and closes its key: these are
// rare, and nothing is held open between them.
type hkcu struct{}

func (hkcu) stringValue(path, name string) (string, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return "", false, nil
	case errors.Is(err, registry.ErrUnexpectedType):
		return "", true, nil
	case err != nil:
		return "", false, err
	}
	return v, true, nil
}

func (hkcu) binaryValue(path, name string) ([]byte, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer k.Close()
	v, _, err := k.GetBinaryValue(name)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return nil, false, nil
	case errors.Is(err, registry.ErrUnexpectedType):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	return v, true, nil
}

func (hkcu) setString(path, name, text string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(name, text)
}

func (hkcu) deleteValue(path, name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}
