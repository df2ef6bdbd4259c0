package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/opora-project/opora/internal/opora"
)

// Notifications (issue 21): my list with its counter in the header, mark
// read (one, or all), my e-mail choice; the administrator's mail server
// and escalation delay (/admin/notifications). Every user has the list;
// the store keeps it to the user's own lines.

func (s *Server) notificationsPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderNotifications(w, r, http.StatusOK, nil)
}

func (s *Server) renderNotifications(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	ctx := r.Context()
	list, err := s.store.Notifications(ctx, 0)
	if err != nil {
		return err
	}
	if f == nil {
		p, err := s.store.NotificationPrefs(ctx)
		if err != nil {
			return err
		}
		vals := url.Values{"email_mode": {string(p.EmailMode)}}
		for _, k := range opora.NotificationKinds {
			if !p.Mutes(k) {
				vals.Add("email_kinds", string(k))
			}
		}
		f = newForm(vals, nil)
	}
	v := s.newView(r, "notify.title")
	v.Nav = "notifications"
	v.Form = f
	var modes, kinds []option
	for _, m := range opora.EmailModes {
		modes = append(modes, option{Value: string(m), Label: v.T("notify.mode." + string(m))})
	}
	for _, k := range opora.NotificationKinds {
		kinds = append(kinds, option{Value: string(k), Label: v.T("notify.kind." + string(k))})
	}
	v.Data = map[string]any{"List": list, "Modes": modes, "Kinds": kinds}
	return s.render(w, r, status, "notifications_list", v)
}

// NotifyText words one notification line for the list.
func (v *view) NotifyText(n *opora.Notification) string {
	typ := n.TaskType
	if typ == "" {
		typ = v.T("tasks.task")
	}
	return v.T("notify.text."+string(n.Kind), "Type", typ, "Family", strconv.FormatInt(n.FamilyID, 10),
		"Signal", strconv.FormatInt(n.SignalID, 10), "Status", v.T("tasks.status."+string(n.Status)))
}

// notificationRead marks one of my notifications read; with open=1 it
// then opens the notification's page.
func (s *Server) notificationRead(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.store.MarkNotificationRead(r.Context(), id)
	if err != nil {
		return err
	}
	if r.PostForm.Get("open") == "1" && n.Link != "" && safeNext(n.Link) == n.Link {
		http.Redirect(w, r, n.Link, http.StatusSeeOther)
		return nil
	}
	return s.redirect(w, r, "/notifications", "notify.marked_read")
}

func (s *Server) notificationsReadAll(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.store.MarkAllNotificationsRead(r.Context()); err != nil {
		return err
	}
	return s.redirect(w, r, "/notifications", "notify.marked_all")
}

// notificationPrefs saves my e-mail choice: the mode and the kinds to
// send (the ones left unticked are muted).
func (s *Server) notificationPrefs(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	p := &opora.NotificationPrefs{EmailMode: opora.EmailMode(r.PostForm.Get("email_mode"))}
	send := map[string]bool{}
	for _, k := range r.PostForm["email_kinds"] {
		send[k] = true
		if !opora.NotificationKind(k).Valid() {
			p.Muted = append(p.Muted, opora.NotificationKind(k)) // refused by the store
		}
	}
	for _, k := range opora.NotificationKinds {
		if !send[string(k)] {
			p.Muted = append(p.Muted, k)
		}
	}
	if err := s.store.SaveNotificationPrefs(r.Context(), p); err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderNotifications(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err))
	}
	return s.redirect(w, r, "/notifications", "notify.prefs_saved")
}

// adminNotifications is the organisation's mail server and escalation
// delay. The password never comes back to the page.
func (s *Server) adminNotifications(w http.ResponseWriter, r *http.Request) error {
	n, err := s.store.NotificationSettings(r.Context())
	if err != nil {
		return err
	}
	return s.renderAdminNotifications(w, r, http.StatusOK, n, newForm(notificationValues(n), nil))
}

func notificationValues(n *opora.NotificationSettings) url.Values {
	v := url.Values{"smtp_host": {n.Host}, "smtp_port": {strconv.Itoa(n.Port)}, "smtp_tls": {n.TLS},
		"smtp_user": {n.User}, "mail_from": {n.From}, "kdn_after_days": {strconv.Itoa(n.KDNAfterDays)},
		"version": {strconv.Itoa(n.Version)}}
	if n.EmailEnabled {
		v.Set("email_enabled", "1")
	}
	return v
}

func (s *Server) renderAdminNotifications(w http.ResponseWriter, r *http.Request, status int, n *opora.NotificationSettings, f *form) error {
	v := s.newView(r, "notify.admin.title")
	v.Nav = "notifications_admin"
	f.Values.Del("smtp_password")
	v.Form = f
	var tls []option
	for _, m := range []string{opora.SMTPStartTLS, opora.SMTPTLS, opora.SMTPPlain} {
		tls = append(tls, option{Value: m, Label: v.T("notify.tls." + m)})
	}
	v.Data = map[string]any{"Settings": n, "TLS": tls}
	return s.render(w, r, status, "notifications_admin", v)
}

func (s *Server) adminNotificationsSave(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	f := r.PostForm
	n := &opora.NotificationSettings{EmailEnabled: f.Get("email_enabled") == "1", Host: f.Get("smtp_host"),
		TLS: f.Get("smtp_tls"), User: f.Get("smtp_user"), Password: f.Get("smtp_password"), From: f.Get("mail_from")}
	n.Port, _ = strconv.Atoi(f.Get("smtp_port"))
	n.KDNAfterDays, _ = strconv.Atoi(f.Get("kdn_after_days"))
	n.Version, _ = strconv.Atoi(f.Get("version"))
	err := s.store.SaveNotificationSettings(r.Context(), n)
	if err == nil {
		return s.redirect(w, r, "/admin/notifications", "common.saved")
	}
	code := opora.ErrorCode(err)
	if code != opora.EINVALID && code != opora.ECONFLICT {
		return err
	}
	cur, cerr := s.store.NotificationSettings(r.Context())
	if cerr != nil {
		return cerr
	}
	status := http.StatusUnprocessableEntity
	if code == opora.ECONFLICT {
		// The user's values stay; the version becomes the stored one, so
		// saving again after a look overwrites knowingly.
		status = http.StatusConflict
		f.Set("version", strconv.Itoa(cur.Version))
	}
	return s.renderAdminNotifications(w, r, status, cur, newForm(f, err))
}
