package bench

import (
	"strings"
	"testing"
	"time"
)

// TestMemoryVerdict: a server that warms up and then holds its memory is
// flat, also when the logins' memory is given back during the first
// minute; one that leaks a few MiB a minute over ten minutes is growing;
// too few samples give no verdict.
func TestMemoryVerdict(t *testing.T) {
	series := func(rss func(min float64) float64) []MemorySample {
		var out []MemorySample
		for at := time.Duration(0); at <= 10*time.Minute; at += 5 * time.Second {
			out = append(out, MemorySample{At: at, RSS: int64(rss(at.Minutes()) * (1 << 20))})
		}
		return out
	}
	flat := memoryVerdict(series(func(m float64) float64 {
		if m < 0.5 {
			return 60 + 200*m // warming up to 160 MiB in the first half minute
		}
		return 160 + float64(int(m*12)%3) // then ±1 MiB
	}), time.Minute)
	if !flat.Known || !flat.Flat || flat.Slope > 0.5 || flat.Slope < -0.5 || !strings.HasPrefix(flat.String(), "FLAT") {
		t.Errorf("warm-up then steady: %+v %s", flat, flat)
	}
	// 200 MiB after the logins, given back within the first minute, then
	// a slow leak from 110 MiB: the warm-up does not hide it.
	leak := memoryVerdict(series(func(m float64) float64 {
		if m < 0.8 {
			return 200
		}
		return 110 + 5*m // 5 MiB a minute
	}), time.Minute)
	if !leak.Known || leak.Flat || leak.Slope < 4.9 || leak.Slope > 5.1 || !strings.HasPrefix(leak.String(), "GROWING") {
		t.Errorf("5 MiB a minute: %+v %s", leak, leak)
	}
	if v := memoryVerdict(series(func(float64) float64 { return 100 })[:17], time.Minute); v.Known || !strings.HasPrefix(v.String(), "unknown") {
		t.Errorf("five samples: %+v", v)
	}
}

// TestDayMixWeights: every kind's weights add up to 100, every action of
// the day is in some mix, and a twenty-worker day has 14 specialists, 3
// duty volunteers and 3 supervisors, one of each among the first three.
func TestDayMixWeights(t *testing.T) {
	inMix := map[string]bool{}
	for k, mix := range dayMix {
		sum := 0
		for _, w := range mix {
			sum += w.weight
			inMix[w.action] = true
		}
		if sum != 100 {
			t.Errorf("the %s's weights add up to %d", kindNames[k], sum)
		}
	}
	for _, a := range DayActions() {
		if !inMix[a] {
			t.Errorf("%q is in no mix", a)
		}
	}
	count := map[dayKind]int{}
	for i := range 20 {
		count[kindOf(i)]++
	}
	if count[kindSpecialist] != 14 || count[kindDuty] != 3 || count[kindSupervisor] != 3 ||
		kindOf(0) == kindOf(1) || kindOf(1) == kindOf(2) || kindOf(0) == kindOf(2) {
		t.Errorf("twenty workers: %v", count)
	}
}
