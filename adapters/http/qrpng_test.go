package http_test

import (
	"image"
	"testing"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// Geometry of the exit pass image (qrpng.go): 8 px modules, 4-module quiet zone.
const (
	qrModulePx = 8
	qrQuiet    = 4
)

// matrixOf captures the module matrix of a QR code.
type matrixOf struct{ bits [][]bool }

func (m *matrixOf) Write(mat qrcode.Matrix) error { m.bits = mat.Bitmap(); return nil }
func (m *matrixOf) Close() error                  { return nil }

// wantQRModules checks that img is text's QR code as drawn by the API: the
// expected size, a light quiet zone all round, and each module read back
// at its centre equal to the encoder's matrix.
func wantQRModules(t *testing.T, img image.Image, text string) {
	t.Helper()
	code, err := qrcode.New(text)
	if err != nil {
		t.Fatal(err)
	}
	var m matrixOf
	if err := code.Save(&m); err != nil {
		t.Fatal(err)
	}
	n := len(m.bits)
	side := (n + 2*qrQuiet) * qrModulePx
	if b := img.Bounds(); b.Dx() != side || b.Dy() != side || n < 21 {
		t.Fatalf("image %v for a %d-module code, want %dx%d", b, n, side, side)
	}
	dark := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return r+g+b < 3*0x8000
	}
	for y := range side {
		for x := range side {
			inCode := x >= qrQuiet*qrModulePx && x < (qrQuiet+n)*qrModulePx && y >= qrQuiet*qrModulePx && y < (qrQuiet+n)*qrModulePx
			if !inCode && dark(x, y) {
				t.Fatalf("dark pixel (%d,%d) in the quiet zone", x, y)
			}
		}
	}
	darkModules := 0
	for row := range n {
		for col := range n {
			x, y := (col+qrQuiet)*qrModulePx+qrModulePx/2, (row+qrQuiet)*qrModulePx+qrModulePx/2
			if dark(x, y) != m.bits[row][col] {
				t.Fatalf("module (%d,%d) reads %v, the encoder says %v", col, row, dark(x, y), m.bits[row][col])
			}
			if m.bits[row][col] {
				darkModules++
			}
		}
	}
	// Finder pattern: the top-left 7x7 has a dark border.
	for i := range 7 {
		if !m.bits[0][i] || !m.bits[6][i] || !m.bits[i][0] || !m.bits[i][6] {
			t.Fatal("no finder pattern in the top-left corner")
		}
	}
	if darkModules == 0 || darkModules == n*n {
		t.Fatalf("%d of %d modules dark", darkModules, n*n)
	}
}
