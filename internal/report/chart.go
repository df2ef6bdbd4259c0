package report

import "math"

// Bar is one bar of a horizontal bar chart, in SVG user units.
type Bar struct {
	Label string // the whole label (tooltip and data table)
	Short string // what fits beside the bar
	Value float64
	Text  string // the value as shown
	Y     int    // top of the bar
	Width float64
}

// BarChart lays out a horizontal bar chart for a template to draw as SVG.
type BarChart struct {
	Bars   []Bar
	Height int
	Width  int // drawing width of the longest bar
	LabelW int // width reserved for labels
}

// Bars lays out labelled values, longest bar = width units.
func Bars(labels []string, values []float64) BarChart {
	const rowH, width, labelW = 26, 260, 180
	max := 0.0
	for _, v := range values {
		max = math.Max(max, v)
	}
	c := BarChart{Width: width, LabelW: labelW, Height: rowH*len(values) + 4}
	for i, v := range values {
		w := 0.0
		if max > 0 {
			w = v / max * width
		}
		c.Bars = append(c.Bars, Bar{Label: labels[i], Short: shorten(labels[i], 28), Value: v, Text: FormatNumber(v), Y: i * rowH, Width: math.Round(w*10) / 10})
	}
	return c
}

// shorten cuts a label to n characters with an ellipsis; the chart's label
// column is narrow and the full text is in the tooltip and the table.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
