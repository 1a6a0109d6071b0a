package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes the report to path atomically: a temporary file in the
// same directory, fsynced, then renamed over path, so that a reader never
// sees half a report. It refuses to replace an existing file unless force.
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
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if !force {
		// Link fails if path appeared meanwhile: no silent overwrite.
		if err := os.Link(tmp.Name(), path); err != nil {
			os.Remove(tmp.Name())
			done = true
			return fmt.Errorf("writing %s: %w", path, err)
		}
		done = true
		err := os.Remove(tmp.Name())
		syncDir(dir)
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("renaming to %s: %w", path, err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir makes the rename durable; failure only weakens durability.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
