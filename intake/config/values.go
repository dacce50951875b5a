// The value types of the file: durations, dates (quoted or not) and the
// secrets read from the environment or a file.

package config

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Duration is a time.Duration written as "90s" or "5m" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration like \"90s\" or \"5m\": %q", b)
	}
	d.Duration = v
	return nil
}

// Date is a calendar date, written in TOML as a local date
// (deadline = 2026-09-01) or as a string (deadline = "2026-09-01").
type Date struct{ time.Time }

// UnmarshalTOML implements toml.Unmarshaler: a TOML local date arrives as
// a time.Time, a quoted one as a string. A date with a time of day is
// refused, and the error shows what was written, never a timestamp.
func (d *Date) UnmarshalTOML(v any) error {
	switch v := v.(type) {
	case string:
		return d.UnmarshalText([]byte(v))
	case time.Time:
		if h, m, s := v.Clock(); h != 0 || m != 0 || s != 0 || v.Nanosecond() != 0 {
			return fmt.Errorf("want a date like 2026-09-01 without a time of day, not %s", v.Format(time.DateTime))
		}
		y, mo, dd := v.Date()
		d.Time = time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC)
		return nil
	}
	return fmt.Errorf("want a date like 2026-09-01, not %v", v)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("want a date like 2026-09-01, not %q", b)
	}
	d.Time = v
	return nil
}

// String formats the date as 2006-01-02.
func (d Date) String() string { return d.Format(time.DateOnly) }

// secret reads a password from an environment variable or a file; the
// password itself never appears in the config file, a flag or the log.
func secret(section, env, file string) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("[%s] set password_env or password_file, not both", section)
	case env != "":
		v, ok := os.LookupEnv(env)
		if !ok {
			return "", fmt.Errorf("[%s] password_env: environment variable %s is not set", section, env)
		}
		return v, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("[%s] password_file: %w", section, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return "", nil
}
