package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// httpClient is the bench's browser: one transport shared by all sessions.
type httpClient struct {
	base string
	tr   *http.Transport
}

func newHTTP(base string) *httpClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 512, 512
	tr.DisableCompression = true
	return &httpClient{base: strings.TrimSuffix(base, "/"), tr: tr}
}

// session is one logged-in browser: its own cookies, redirects not followed.
type session struct {
	base string
	hc   *http.Client
	// vu is the region bench's virtual user behind the session (region.go;
	// nil for the other scenarios). Several virtual users may share one
	// login's client and cookies.
	vu *regionVU
}

// login logs a new session in through the login form.
func (h *httpClient) login(ctx context.Context, login, password string) (*session, error) {
	jar, _ := cookiejar.New(nil)
	s := &session{base: h.base, hc: &http.Client{Jar: jar, Transport: h.tr, Timeout: 15 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	res, body, err := s.do(ctx, s.form(ctx, "/login", url.Values{"login": {login}, "password": {password}}))
	if err != nil {
		return nil, fmt.Errorf("bench: log in at %s: %w", h.base, err)
	}
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		detail := "wrong login or password, or a locked account?"
		if res.StatusCode >= 500 || res.StatusCode == http.StatusForbidden {
			detail = snippet(body)
		}
		return nil, fmt.Errorf("bench: log in as %q at %s: status %d: %s", login, h.base, res.StatusCode, detail)
	}
	return s, nil
}

// form makes a POST of a form the way a browser on the same site sends it:
// the server refuses cross-origin writes (http.CrossOriginProtection).
func (s *session) form(ctx context.Context, path string, v url.Values) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", s.base)
	return req
}

// json makes a POST of a JSON body as the check-in page's fetch sends it.
func (s *session) json(ctx context.Context, path string, body []byte) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", s.base)
	return req
}

func (s *session) get(ctx context.Context, path string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	return req
}

// do sends a request and reads the whole answer.
func (s *session) do(_ context.Context, req *http.Request) (*http.Response, []byte, error) {
	res, err := s.hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

// openShift opens a check-in shift for today at the point through the
// check-in home page's form and returns its id.
func (s *session) openShift(ctx context.Context, pointID int64, day time.Time) (int64, error) {
	res, body, err := s.do(ctx, s.form(ctx, "/checkin/shifts", url.Values{"point_id": {strconv.FormatInt(pointID, 10)},
		"date": {day.Format("2006-01-02")}, "starts": {"00:00"}, "ends": {"23:59"}}))
	if err != nil {
		return 0, fmt.Errorf("bench: open a check-in shift: %w", err)
	}
	loc := res.Header.Get("Location")
	id, perr := strconv.ParseInt(strings.TrimPrefix(loc, "/checkin/"), 10, 64)
	if res.StatusCode != http.StatusSeeOther || perr != nil {
		return 0, fmt.Errorf("bench: open a check-in shift: status %d, location %q %s", res.StatusCode, loc, snippet(body))
	}
	return id, nil
}

// closeShift closes the bench's shift as the duty worker does.
func (s *session) closeShift(ctx context.Context, id int64) error {
	res, body, err := s.do(ctx, s.form(ctx, "/checkin/shifts/"+strconv.FormatInt(id, 10)+"/close", url.Values{}))
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		return fmt.Errorf("status %d %s", res.StatusCode, snippet(body))
	}
	return nil
}

// snippet is the start of a body for an error message, on one line.
func snippet(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if r := []rune(s); len(r) > 300 {
		s = string(r[:300]) + "…"
	}
	return s
}

// statusError is a non-2xx/3xx answer.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string { return fmt.Sprintf("status %d: %s", e.status, e.body) }

// errorText is what the report prints for a failed request.
func errorText(err error) string {
	var se *statusError
	if errors.As(err, &se) {
		return se.Error()
	}
	return snippet([]byte(err.Error()))
}
