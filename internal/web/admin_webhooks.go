package web

import (
	"net/http"
	"net/url"

	"github.com/opora-project/opora/internal/opora"
)

// The organisation administrator's webhooks (/admin/webhooks, issue 24
// item 4): the addresses the organisation's other systems are told of
// events at, each with its signing secret (shown once, on the page that
// answers its creation) and its delivery log.

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderWebhooks(w, r, http.StatusOK, newForm(url.Values{}, nil), "")
}

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, f *form, secret string) error {
	hooks, err := s.store.Webhooks(r.Context())
	if err != nil {
		return err
	}
	l := s.loc(r)
	var events []option
	for _, e := range opora.WebhookEvents {
		events = append(events, option{Value: string(e), Label: l.T("webhooks.event." + e.Key())})
	}
	v := s.newView(r, "webhooks.title")
	v.Nav = "organisation"
	v.Form = f
	v.Data = map[string]any{"Hooks": hooks, "Events": events, "Secret": secret}
	return s.render(w, r, status, "webhooks", v)
}

func (s *Server) webhookCreate(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	h := &opora.Webhook{URL: r.PostForm.Get("url")}
	for _, e := range r.PostForm["events"] {
		h.Events = append(h.Events, opora.WebhookEvent(e))
	}
	secret, err := s.store.CreateWebhook(r.Context(), h)
	if err != nil {
		if opora.ErrorCode(err) != opora.EINVALID {
			return err
		}
		return s.renderWebhooks(w, r, http.StatusUnprocessableEntity, newForm(r.PostForm, err), "")
	}
	return s.renderWebhooks(w, r, http.StatusOK, newForm(url.Values{}, nil), secret)
}

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.store.Webhook(r.Context(), id)
	if err != nil {
		return err
	}
	log, err := s.store.WebhookDeliveries(r.Context(), id, 100)
	if err != nil {
		return err
	}
	v := s.newView(r, "webhooks.log")
	v.Nav = "organisation"
	v.Data = map[string]any{"Hook": h, "Log": log}
	return s.render(w, r, http.StatusOK, "webhook", v)
}

func (s *Server) webhookSetDisabled(disabled bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := s.store.SetWebhookDisabled(r.Context(), id, disabled); err != nil {
			return err
		}
		return s.redirect(w, r, "/admin/webhooks/"+idString(id), "common.saved")
	}
}
