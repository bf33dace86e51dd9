package http

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// QR image geometry: each module is qrModulePx pixels square and the code
// is framed by the quiet zone of qrQuietModules light modules that ISO/IEC
// 18004 asks for, so phone and gate scanners find its edges.
const (
	qrModulePx     = 8
	qrQuietModules = 4
)

// qrPNG renders text as a QR code PNG (error correction M, the library's
// default). Only the library's core is used; the image is drawn here from
// its module matrix, which keeps its image-writer submodule and that
// module's dependencies out of the build.
func qrPNG(text string) ([]byte, error) {
	code, err := qrcode.New(text)
	if err != nil {
		return nil, err
	}
	w := &pngWriter{}
	if err := code.Save(w); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// pngWriter is a qrcode.Writer that draws the matrix as a two-colour PNG.
type pngWriter struct{ buf bytes.Buffer }

// Write draws one module as a qrModulePx square, after the quiet zone.
func (w *pngWriter) Write(mat qrcode.Matrix) error {
	modules := mat.Bitmap() // [row][column], true = dark
	side := (len(modules) + 2*qrQuietModules) * qrModulePx
	light, dark := uint8(0), uint8(1)
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.White, color.Black})
	for i := range img.Pix {
		img.Pix[i] = light
	}
	for y, row := range modules {
		for x, on := range row {
			if !on {
				continue
			}
			x0, y0 := (x+qrQuietModules)*qrModulePx, (y+qrQuietModules)*qrModulePx
			for dy := range qrModulePx {
				for dx := range qrModulePx {
					img.SetColorIndex(x0+dx, y0+dy, dark)
				}
			}
		}
	}
	return png.Encode(&w.buf, img)
}

// Close implements qrcode.Writer; the buffer needs no closing.
func (w *pngWriter) Close() error { return nil }
