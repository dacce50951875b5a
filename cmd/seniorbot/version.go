package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// versionText is the version and, where the binary carries them, the
// commit it was built from, the Go version and the platform.
func versionText() string {
	v := version
	var extra []string
	if info, ok := debug.ReadBuildInfo(); ok {
		// go install …@v1.2.3 records the module version.
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			if len(rev) > 12 {
				rev = rev[:12]
			}
			if modified == "true" {
				rev += "+modified"
			}
			extra = append(extra, "commit "+rev)
		}
	}
	extra = append(extra, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return fmt.Sprintf("seniorbot %s (%s)", v, strings.Join(extra, ", "))
}
