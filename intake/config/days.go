package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Days is a length of time written in days, "180d", as retention periods
// are; a Go duration ("720h") is accepted too.
type Days struct{ time.Duration }

// ParseDays reads "180d" (whole days) or a Go duration such as "720h".
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("not a number of days like \"180d\": %q", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("not a number of days like \"180d\": %q", s)
	}
	return d, nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Days) UnmarshalText(b []byte) error {
	v, err := ParseDays(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// String writes whole days as "180d".
func (d Days) String() string {
	if d.Duration%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d.Duration/(24*time.Hour))
	}
	return d.Duration.String()
}
