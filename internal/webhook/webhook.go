// Package webhook sends the webhooks' messages over HTTP for the store's
// background jobs (store.WebhookPoster): a POST with the headers the store
// gives (the signature among them), a short timeout, no redirects followed
// (a redirect is a failed attempt, shown in the delivery log), and the
// answer's body read no further than a few kilobytes.
package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// Poster posts messages; its zero value is not ready: use New.
type Poster struct {
	client *http.Client
}

// New returns a poster whose requests give up after timeout.
func New(timeout time.Duration) *Poster {
	return &Poster{client: &http.Client{Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Post sends body to url with headers and returns the answer's status.
func (p *Poster) Post(ctx context.Context, url string, body []byte, headers map[string]string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "Opora-Webhooks/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := p.client.Do(req)
	if err != nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) && uerr.Unwrap() != nil {
			return 0, uerr.Unwrap()
		}
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	return res.StatusCode, nil
}
