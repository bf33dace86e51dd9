package wechattest

import (
	"bytes"
	"crypto/sha256"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
)

// Width limits and default of getwxacodeunlimit, in pixels.
const (
	minWidth, maxWidth, defaultWidth = 280, 1280, 430
	maxSceneLen                      = 32
	sceneSpecials                    = "!#$&'()*+,/:;=?@-._~"
)

// CodeRequest is a getwxacodeunlimit request the fake answered with an
// image. CheckPath is WeChat's default (true) when the request left it out.
type CodeRequest struct {
	Scene, Page string
	CheckPath   bool
	EnvVersion  string
	Width       int
}

// CodeRequests returns the code requests answered so far, oldest first.
func (s *Server) CodeRequests() []CodeRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]CodeRequest, len(s.codeReqs))
	copy(out, s.codeReqs)
	return out
}

type wxacodeRequest struct {
	Scene      string `json:"scene"`
	Page       string `json:"page"`
	CheckPath  *bool  `json:"check_path"`
	EnvVersion string `json:"env_version"`
	Width      int    `json:"width"`
}

// handleWxacode is POST /wxa/getwxacodeunlimit?access_token=...: a PNG on
// success, JSON errcode otherwise (40169 scene length, 40129 scene charset,
// 41030 page, 40097 width or env_version).
func (s *Server) handleWxacode(w http.ResponseWriter, r *http.Request) {
	if !s.checkToken(w, r) {
		return
	}
	var req wxacodeRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if code := s.injected(); code != 0 {
		s.writeError(w, code, "")
		return
	}
	if errcode := checkWxacode(req); errcode != 0 {
		s.writeError(w, errcode, "")
		return
	}
	width := req.Width
	if width == 0 {
		width = defaultWidth
	}
	img, err := CodeImage(req.Scene, req.Page, width)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	cr := CodeRequest{Scene: req.Scene, Page: req.Page, CheckPath: req.CheckPath == nil || *req.CheckPath, EnvVersion: req.EnvVersion, Width: req.Width}
	s.mu.Lock()
	s.codeReqs = append(s.codeReqs, cr)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(img)
}

func checkWxacode(req wxacodeRequest) int {
	if req.Scene == "" || len(req.Scene) > maxSceneLen {
		return 40169
	}
	for i := 0; i < len(req.Scene); i++ {
		b := req.Scene[i]
		if !(('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z') || strings.IndexByte(sceneSpecials, b) >= 0) {
			return 40129
		}
	}
	if strings.HasPrefix(req.Page, "/") || strings.ContainsAny(req.Page, "?# ") {
		return 41030
	}
	if req.Width != 0 && (req.Width < minWidth || req.Width > maxWidth) {
		return 40097
	}
	switch req.EnvVersion {
	case "", "release", "trial", "develop":
	default:
		return 40097
	}
	return 0
}

// CodeImage draws the fake's stand-in for a mini-program code: a width ×
// width two-colour PNG whose 21×21 module pattern (with three corner
// markers) is derived from sha256(scene, page), so equal inputs give equal
// bytes and different scenes visibly different images. It is not a
// scannable code.
func CodeImage(scene, page string, width int) ([]byte, error) {
	const modules = 21
	sum := sha256.Sum256([]byte(scene + "\x00" + page))
	bit := func(i int) bool { return sum[(i/8)%len(sum)]>>(i%8)&1 == 1 }
	finder := func(x, y int) (in, dark bool) {
		for _, c := range [][2]int{{0, 0}, {modules - 7, 0}, {0, modules - 7}} {
			dx, dy := x-c[0], y-c[1]
			if dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
				ring := dx == 0 || dy == 0 || dx == 6 || dy == 6
				core := dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4
				return true, ring || core
			}
		}
		return false, false
	}
	pal := color.Palette{color.White, color.RGBA{R: 0x07, G: 0xc1, B: 0x60, A: 0xff}} // WeChat green
	img := image.NewPaletted(image.Rect(0, 0, width, width), pal)
	margin := width / 12
	cell := (width - 2*margin) / modules
	if cell < 1 {
		cell = 1
	}
	for y := 0; y < modules; y++ {
		for x := 0; x < modules; x++ {
			in, dark := finder(x, y)
			if !in {
				dark = bit(y*modules + x + int(sum[x%len(sum)]))
			}
			if !dark {
				continue
			}
			x0, x1 := margin+x*cell, min(margin+(x+1)*cell, width)
			for py := margin + y*cell; py < margin+(y+1)*cell && py < width; py++ {
				row := img.Pix[py*img.Stride : py*img.Stride+width]
				for px := x0; px < x1; px++ {
					row[px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
