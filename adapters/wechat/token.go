package wechat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/scanpay/scanpay/domain"
)

const (
	pathStableToken = "/cgi-bin/stable_token"
	// refreshMargin: WeChat hands out a new stable token in the last 5
	// minutes of the old one, so we ask again then rather than at expiry.
	refreshMargin = 5 * time.Minute
	// tokenFetchTimeout bounds one token request; it runs detached from the
	// caller that started it, since other callers wait for it too.
	tokenFetchTimeout = 15 * time.Second
)

// tokenCall is one in-flight token request that any number of callers wait for.
type tokenCall struct {
	done  chan struct{}
	token string
	err   error
}

// AccessToken returns a valid access token for the server APIs, from memory
// when it has one that is not within 5 minutes of expiry. Only one request
// for a token is in flight at a time; concurrent callers wait for it, each
// until its own ctx ends.
func (c *Client) AccessToken(ctx context.Context) (string, error) {
	return c.token(ctx, "")
}

// token returns a token other than rejected (the one WeChat just refused,
// or ""). A caller holding a rejected token starts a force refresh unless
// another caller has already replaced that token.
func (c *Client) token(ctx context.Context, rejected string) (string, error) {
	for attempt := 0; attempt < 2; attempt++ {
		c.mu.Lock()
		if c.tok != "" && c.tok != rejected && c.now().Before(c.refreshAt) {
			t := c.tok
			c.mu.Unlock()
			return t, nil
		}
		if rejected != "" && c.tok == rejected {
			c.tok = "" // nobody else uses it meanwhile
		}
		call := c.inflight
		if call == nil {
			call = &tokenCall{done: make(chan struct{})}
			c.inflight = call
			go c.fetch(context.WithoutCancel(ctx), call, rejected != "")
		}
		c.mu.Unlock()

		select {
		case <-call.done:
		case <-ctx.Done():
			return "", domain.Unavailable("wechat", ctx.Err())
		}
		if call.err != nil {
			return "", call.err
		}
		if rejected == "" || call.token != rejected {
			return call.token, nil
		}
		// A normal-mode answer handed back the rejected token: force once more.
	}
	return "", domain.Unavailable("wechat", errors.New("wechat stable_token keeps returning a rejected access token"))
}

// fetch runs one stable_token request for call and publishes the result.
func (c *Client) fetch(ctx context.Context, call *tokenCall, force bool) {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	start := c.now()
	tok, ttl, err := c.requestToken(ctx, force)

	c.mu.Lock()
	if err == nil {
		margin := refreshMargin
		if ttl <= 2*margin {
			margin = ttl / 2
		}
		c.tok, c.refreshAt = tok, start.Add(ttl-margin)
	}
	c.inflight = nil
	call.token, call.err = tok, err
	c.mu.Unlock()
	close(call.done)
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

type stableTokenAnswer struct {
	apiResult
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// requestToken asks stable_token for a token; force_refresh is set only when
// WeChat has refused the token we had, because it invalidates the token for
// every other user of this app and is limited to 20 a day.
func (c *Client) requestToken(ctx context.Context, force bool) (string, time.Duration, error) {
	const api = "stable_token"
	payload, err := json.Marshal(stableTokenRequest{GrantType: "client_credential", AppID: c.appID, Secret: c.secret, ForceRefresh: force})
	if err != nil {
		return "", 0, err
	}
	_, body, err := c.post(ctx, api, pathStableToken, payload, maxJSONBody)
	if err != nil {
		return "", 0, err
	}
	var ans stableTokenAnswer
	if err := decode(api, body, &ans); err != nil {
		return "", 0, err
	}
	if ae := ans.asError(api); ae != nil {
		return "", 0, commonError(ae)
	}
	if ans.AccessToken == "" || ans.ExpiresIn <= 0 {
		return "", 0, domain.Unavailable("wechat", fmt.Errorf("wechat %s: answer without token or expiry", api))
	}
	return ans.AccessToken, time.Duration(ans.ExpiresIn) * time.Second, nil
}

// postAuthed posts in as JSON to path with the access token. When WeChat
// refuses the token (40001/40014/42001) it force-refreshes the token once and
// retries. It returns the answer's media type, body and, for a JSON errcode
// answer, the *APIError.
func (c *Client) postAuthed(ctx context.Context, api, path string, in any, limit int64) (string, []byte, *APIError, error) {
	payload, err := json.Marshal(in)
	if err != nil {
		return "", nil, nil, err
	}
	tok, err := c.AccessToken(ctx)
	if err != nil {
		return "", nil, nil, err
	}
	for attempt := 0; ; attempt++ {
		mt, body, err := c.post(ctx, api, path+"?access_token="+url.QueryEscape(tok), payload, limit)
		if err != nil {
			return "", nil, nil, err
		}
		if !looksJSON(mt, body) {
			return mt, body, nil, nil
		}
		var res apiResult
		if err := decode(api, body, &res); err != nil {
			return "", nil, nil, err
		}
		ae := res.asError(api)
		if ae != nil && tokenRejected(ae.Code) && attempt == 0 {
			if tok, err = c.token(ctx, tok); err != nil {
				return "", nil, nil, err
			}
			continue
		}
		return mt, body, ae, nil
	}
}

// looksJSON reports whether an answer is JSON: by media type, or by its
// first byte when WeChat labels it otherwise.
func looksJSON(mediaType string, body []byte) bool {
	if mediaType == "application/json" {
		return true
	}
	for _, b := range body {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b == '{'
	}
	return false
}
