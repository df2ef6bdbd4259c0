package web

import (
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/opora"
)

// Learned hints (issue 23 item 2): the «Что было в похожих семьях» block of
// the family card (templates/family_learned.html) and /admin/hints/learned,
// where a methodologist switches a learned hint off or on and sets the
// least group shown.

// learnedBlock is the card's block.
type learnedBlock struct {
	Groups []learnedView
}

type learnedView struct {
	Key      string
	Text     string
	Measures []string
	Period   string
}

// pct rounds a rate to whole percent.
func pct(x float64) int { return int(math.Round(x * 100)) }

// learnedFeatureText words a learned feature.
func learnedFeatureText(l *i18n.Localizer, key string, statuses map[string]string) string {
	c, ok := opora.ParseHintKey(key)
	if !ok {
		return key
	}
	switch c.Kind {
	case opora.CondIndicator:
		return l.T("hints.learned.f.indicator", "Label", c.Ref)
	case opora.CondEvent:
		return l.T("hints.learned.f.event", "Event", l.T("life_event."+c.Ref))
	case opora.CondSignal:
		if c.Ref == "" {
			return l.T("hints.learned.f.signal_any")
		}
		return l.T("hints.learned.f.signal", "Agency", l.T("orgtype."+c.Ref))
	case opora.CondStatus:
		label := statuses[c.Ref]
		if label == "" {
			label = c.Ref
		}
		return l.T("hints.learned.f.status", "Status", label)
	}
	return key
}

// learnedGroupText is «из 214 семей с этими тремя признаками (…) 61 % (95 %
// ДИ 54–67 %) оказались в кризисе в течение года».
func learnedGroupText(l *i18n.Localizer, h *opora.LearnedHint, statuses map[string]string) string {
	var fs []string
	for _, f := range h.Features {
		fs = append(fs, learnedFeatureText(l, f, statuses))
	}
	lo, hi := h.CI()
	return l.T("hints.learned.group", "Families", l.N("hints.learned.families", h.N),
		"With", l.T("hints.learned.with"+strconv.Itoa(min(len(h.Features), 3))), "Features", strings.Join(fs, "; "),
		"Rate", pct(h.Rate()), "Lo", pct(lo), "Hi", pct(hi))
}

func learnedMeasureText(l *i18n.Localizer, h *opora.LearnedHint) string {
	return l.T("hints.learned.measure", "Measure", h.MeasureLbl, "With", pct(h.Rate()), "Without", pct(h.RateWithout()),
		"N", h.N, "NWithout", h.NWithout)
}

func learnedPeriod(l *i18n.Localizer, h *opora.LearnedHint) string {
	return l.T("hints.learned.period", "From", h.From.Format("02.01.2006"), "To", h.To.Format("02.01.2006"))
}

// familyLearnedBlock reads the learned hints of a family card.
func (s *Server) familyLearnedBlock(r *http.Request, familyID int64) (*learnedBlock, error) {
	groups, err := s.store.FamilyLearnedHints(r.Context(), familyID)
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	_, statuses, err := s.hintStatuses(r)
	if err != nil {
		return nil, err
	}
	l := s.loc(r)
	b := &learnedBlock{}
	for _, g := range groups {
		v := learnedView{Key: g.Crisis.Key(), Text: learnedGroupText(l, g.Crisis, statuses), Period: learnedPeriod(l, g.Crisis)}
		for _, m := range g.Measures {
			v.Measures = append(v.Measures, learnedMeasureText(l, m))
		}
		b.Groups = append(b.Groups, v)
	}
	return b, nil
}

// learnedLine is a learned hint on the admin page.
type learnedLine struct {
	Key      string
	Group    string
	Outcome  string
	N, K     int
	Rate     int
	Lo, Hi   int
	Without  string
	Period   string
	Disabled bool
}

// learnedAdminLimit bounds the admin page's list (the largest groups).
const learnedAdminLimit = 300

func (s *Server) learnedHintsAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.learnedHintsPage(w, r, http.StatusOK, nil)
}

func (s *Server) learnedHintsPage(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	rows, err := s.store.LearnedHintRows(ctx)
	if err != nil {
		return err
	}
	minGroup, err := s.store.HintMinGroup(ctx)
	if err != nil {
		return err
	}
	_, statuses, err := s.hintStatuses(r)
	if err != nil {
		return err
	}
	types := hintTypeLabels()
	l := s.loc(r)
	total := len(rows)
	// Switched off first, then the largest groups.
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Disabled != rows[j].Disabled {
			return rows[i].Disabled
		}
		return rows[i].N > rows[j].N
	})
	rows = rows[:min(len(rows), learnedAdminLimit)]
	var lines []learnedLine
	for _, h := range rows {
		lo, hi := h.CI()
		line := learnedLine{Key: h.Key(), N: h.N, K: h.K, Rate: pct(h.Rate()), Lo: pct(lo), Hi: pct(hi),
			Period: learnedPeriod(l, h), Disabled: h.Disabled, Outcome: l.T("hints.learned.crisis")}
		var fs []string
		for _, x := range h.Features {
			fs = append(fs, learnedFeatureText(l, x, statuses))
		}
		line.Group = strings.Join(fs, "; ")
		if line.Group == "" {
			line.Group = l.T("hints.learned.all")
		}
		if h.Measure != "" {
			label := types[h.Measure]
			if label == "" {
				label = h.Measure
			}
			line.Outcome = l.T("hints.learned.improved", "Measure", label)
			line.Without = l.T("hints.learned.without", "Rate", pct(h.RateWithout()), "N", h.NWithout)
		}
		lines = append(lines, line)
	}
	if f == nil {
		f = newForm(nil, nil)
		f.Values.Set("min_group", strconv.Itoa(minGroup))
	}
	v := s.newView(r, "hints.learned.admin_title")
	v.Nav = "hints"
	v.Form = f
	v.Data = map[string]any{"Lines": lines, "Total": total, "Shown": len(lines), "MinGroup": minGroup}
	return s.render(w, r, status, "hints_learned", v)
}

// learnedHintSwitch switches a learned hint off (off=1) or on.
func (s *Server) learnedHintSwitch(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	off := r.PostForm.Get("off") == "1"
	if err := s.store.SwitchLearnedHint(r.Context(), r.PostForm.Get("key"), off); err != nil {
		return err
	}
	flash := "hints.learned.switched_on"
	if off {
		flash = "hints.learned.switched_off"
	}
	return s.redirect(w, r, "/admin/hints/learned", flash)
}

// learnedHintSettings sets the least group shown.
func (s *Server) learnedHintSettings(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("min_group")))
	if err != nil {
		n = 0
	}
	if err := s.store.SetHintMinGroup(r.Context(), n); err != nil {
		if f := newForm(r.PostForm, err); len(f.Errors) > 0 {
			return s.learnedHintsPage(w, r, http.StatusUnprocessableEntity, f)
		}
		return err
	}
	return s.redirect(w, r, "/admin/hints/learned", "hints.learned.settings_saved")
}
