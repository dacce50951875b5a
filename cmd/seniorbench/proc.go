package main

// What the benchmark reads from /proc: memory and CPU of the daemon, of
// every other program, and of the machine.

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// rssKB reads a memory figure (VmRSS, VmHWM) of pid from /proc, in KiB.
func rssKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			k, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return k
		}
	}
	return 0
}

// machineTicks reads /proc/stat's first line: ticks spent busy and in all,
// summed over every core (idle and iowait count as not busy).
func machineTicks() (busy, all int64) {
	b, err := os.ReadFile("/proc/stat")
	check(err)
	line, _, _ := strings.Cut(string(b), "\n")
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		all += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, all
}

// processTicks is utime+stime of every process now running, by pid, with
// its program name. Processes that ended meanwhile are missed.
func processTicks() map[int]procTicks {
	out := map[int]procTicks{}
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		if p, err := readStat(pid); err == nil {
			out[pid] = p
		}
	}
	return out
}

// readStat reads pid's program name and utime+stime from /proc/PID/stat.
func readStat(pid int) (procTicks, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procTicks{}, err
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+2 > len(s) {
		return procTicks{}, fmt.Errorf("/proc/%d/stat: unexpected form", pid)
	}
	fields := strings.Fields(s[end+2:])
	if len(fields) < 13 {
		return procTicks{}, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	u, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return procTicks{name: s[open+1 : end], ticks: u + st}, nil
}

type procTicks struct {
	name  string
	ticks int64
}

// byProgram sums the CPU each program used between two processTicks
// snapshots, per message, largest first.
func byProgram(before, after map[int]procTicks, n int) string {
	sum := map[string]int64{}
	for pid, a := range after {
		sum[a.name] += a.ticks - before[pid].ticks
	}
	names := make([]string, 0, len(sum))
	for name, t := range sum {
		if t > 0 {
			names = append(names, name)
		}
	}
	slices.SortFunc(names, func(a, b string) int { return int(sum[b] - sum[a]) })
	var parts []string
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %.2f", name, 10*float64(sum[name])/float64(n)))
	}
	return strings.Join(parts, ", ")
}

// cpuTicks is utime+stime of pid in clock ticks (1/100 s on Linux).
func cpuTicks(pid int) int64 {
	p, err := readStat(pid)
	check(err)
	return p.ticks
}
