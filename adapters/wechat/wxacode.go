package wechat

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

const pathWxacodeUnlimit = "/wxa/getwxacodeunlimit"

// getwxacodeunlimit errcodes.
const (
	codeInvalidArgs    = 40097
	codeInvalidScene   = 40129
	codeSceneLength    = 40169
	codeInvalidPage    = 41030
	maxSceneLen        = 32
	minWidth, maxWidth = 280, 1280
	sceneSpecials      = "!#$&'()*+,/:;=?@-._~"
)

// ValidateScene checks a scene the way WeChat does: 1 to 32 characters, each
// a digit, an ASCII letter or one of !#$&'()*+,/:;=?@-._~ (no %, no spaces,
// no Chinese). It returns EINVALID scene_invalid otherwise.
func ValidateScene(scene string) error {
	bad := func(msg string) error {
		return domain.Invalid("scene_invalid", domain.FieldError{Field: "scene", Message: msg})
	}
	if scene == "" || len(scene) > maxSceneLen {
		return bad(fmt.Sprintf("must be 1 to %d characters", maxSceneLen))
	}
	for i := 0; i < len(scene); i++ {
		b := scene[i]
		if ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || strings.IndexByte(sceneSpecials, b) >= 0 {
			continue
		}
		return bad("may hold only digits, letters and " + sceneSpecials)
	}
	return nil
}

type wxacodeRequest struct {
	Scene      string `json:"scene"`
	Page       string `json:"page,omitempty"`
	CheckPath  bool   `json:"check_path"`
	EnvVersion string `json:"env_version"`
	Width      int    `json:"width,omitempty"`
}

// EntryCode returns the image of the mini-program code that opens page with
// scene (the store code), from getwxacodeunlimit. width 0 means WeChat's
// default (430 px); otherwise 280 to 1280. WeChat answers an image, or JSON
// with an errcode under 200 OK, so the media type decides. A bad scene, page
// or width is refused before any request.
func (c *Client) EntryCode(ctx context.Context, scene, page string, width int) ([]byte, string, error) {
	const api = "getwxacodeunlimit"
	if err := ValidateScene(scene); err != nil {
		return nil, "", err
	}
	if strings.HasPrefix(page, "/") || strings.ContainsAny(page, "?# ") {
		return nil, "", domain.Invalid("wx_page_invalid", domain.FieldError{Field: "page", Message: "must be a page path like pages/store/index, without a leading / or parameters"})
	}
	if width != 0 && (width < minWidth || width > maxWidth) {
		return nil, "", domain.Invalid("width_invalid", domain.FieldError{Field: "width", Message: fmt.Sprintf("must be %d to %d", minWidth, maxWidth)})
	}
	in := wxacodeRequest{Scene: scene, Page: page, CheckPath: c.envVersion == "release", EnvVersion: c.envVersion, Width: width}
	mt, body, ae, err := c.postAuthed(ctx, api, pathWxacodeUnlimit, in, maxImageBody)
	if err != nil {
		return nil, "", err
	}
	if ae != nil {
		return nil, "", entryCodeError(ae)
	}
	if !strings.HasPrefix(mt, "image/") {
		// No or odd label: trust the bytes only if they are an image.
		mt = http.DetectContentType(body)
		if !strings.HasPrefix(mt, "image/") {
			return nil, "", domain.Unavailable("wechat", fmt.Errorf("wechat %s: answer is neither an image nor an errcode (%s)", api, mt))
		}
	}
	return body, mt, nil
}

func entryCodeError(ae *APIError) error {
	switch ae.Code {
	case codeInvalidPage:
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_page_invalid",
			Message: "WeChat does not know this page in the released mini-program", Err: ae}
	case codeInvalidScene, codeSceneLength:
		return &domain.Error{Code: domain.EINVALID, Reason: "scene_invalid",
			Message: "WeChat refused the scene", Err: ae}
	case codeInvalidArgs:
		return &domain.Error{Code: domain.EINVALID, Reason: "wx_argument_invalid",
			Message: "WeChat refused the code parameters", Err: ae}
	}
	return commonError(ae)
}
