package report

import (
	"math"
	"strings"
)

// Bar is one bar of a horizontal bar chart: its label above it, the bar
// as a share of the chart's width, the value after it.
type Bar struct {
	Label string // the whole label (tooltip and data table)
	Short string // what fits on a phone's width
	Value float64
	Text  string  // the value as shown
	Y     int     // top of the row, in pixels
	Pct   float64 // the bar's length in per cent of the chart's width
}

// BarChart lays out a horizontal bar chart for a template to draw as SVG.
// Nothing in it scales with the screen but the bars' lengths: the text
// keeps its size on a phone and on a desktop.
type BarChart struct {
	Measure string // what the bars measure ("Разных клиентов"), shown with the chart
	Bars    []Bar
	Height  int // pixels
}

// chartFont is the labels' font size in pixels (svg.chart in the CSS);
// labelWidth is the width a label is cut to fit, a phone's.
const (
	chartFont  = 13
	labelWidth = 290
	barRow     = 40
	longestBar = 82.0 // per cent; the rest holds the longest bar's value
)

// Bars lays out labelled values, the longest bar longestBar per cent of
// the width. measure names what the values are.
func Bars(measure string, labels []string, values []float64) BarChart {
	max := 0.0
	for _, v := range values {
		max = math.Max(max, v)
	}
	c := BarChart{Measure: measure, Height: barRow * len(values)}
	for i, v := range values {
		p := 0.0
		if max > 0 && v > 0 {
			p = v / max * longestBar
		}
		c.Bars = append(c.Bars, Bar{Label: labels[i], Short: fitLabel(labels[i], labelWidth), Value: v, Text: FormatNumber(v),
			Y: i * barRow, Pct: math.Round(p*10) / 10})
	}
	return c
}

// fitLabel cuts a label at the end, with an ellipsis, to what fits in w
// pixels at the chart's font size; the full text is in the tooltip and the
// table. Widths are estimated per letter, generously, so that wide letters
// (Ш, Ж, М, Ю) fit too. A label of several keys ("Консультация · январь
// 2026") keeps its last key whole and cuts the ones before it.
func fitLabel(s string, w int) string {
	if textWidth(s) <= float64(w) {
		return s
	}
	if i := strings.LastIndex(s, " · "); i > 0 {
		tail := s[i:]
		if tw := textWidth(tail); tw < float64(w)*2/3 {
			return cut(s[:i], float64(w)-tw) + tail
		}
	}
	return cut(s, float64(w))
}

// cut is the start of s that fits in w pixels with an ellipsis after it.
func cut(s string, w float64) string {
	limit := w - runeWidth('…')
	used := 0.0
	for i, c := range s {
		if used += runeWidth(c); used > limit {
			return strings.TrimRight(s[:i], " ") + "…"
		}
	}
	return s
}

func textWidth(s string) float64 {
	w := 0.0
	for _, c := range s {
		w += runeWidth(c)
	}
	return w
}

// runeWidth estimates a letter's advance in SVG units at chartFont.
func runeWidth(r rune) float64 {
	em := 0.62
	switch {
	case r == ' ' || r == '.' || r == ',' || r == ':' || r == ';' || r == '!' || r == '|' || r == '\'' || r == 'i' || r == 'l' || r == 'j' || r == 'I':
		em = 0.32
	case r == '(' || r == ')' || r == '-' || r == 'f' || r == 't' || r == 'r':
		em = 0.4
	case r == 'Ш' || r == 'Щ' || r == 'Ж' || r == 'Ю' || r == 'М' || r == 'Ы' || r == 'W' || r == 'M' || r == 'ш' || r == 'щ' || r == 'ж' || r == 'ю' || r == 'ы' || r == 'm' || r == 'w' || r == '—':
		em = 0.95
	case r >= 'A' && r <= 'Z' || r >= 'А' && r <= 'Я' || r == 'Ё':
		em = 0.75
	}
	return em * chartFont
}
