package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes the report to path atomically: a temporary file in the
// same directory, fsynced, then linked (or, with force, renamed) into
// place, so that a reader never sees half a report. It refuses to replace
// an existing file unless force.
func WriteFile(path string, in *Input, force bool) error {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s exists (use --force to overwrite)", path)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, in); err != nil {
		return err
	}
	tmp, err := writeTemp(path, buf.Bytes())
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op once renamed
	if force {
		err = os.Rename(tmp, path)
	} else {
		err = os.Link(tmp, path) // fails if path appeared meanwhile: no silent overwrite
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeTemp writes b to a new temporary file next to path and fsyncs it.
func writeTemp(path string, b []byte) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	name := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", fmt.Errorf("writing %s: %w", name, err)
	}
	return name, nil
}

// syncDir makes the rename durable; failure only weakens durability.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
