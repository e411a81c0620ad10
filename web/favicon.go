package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// FaviconPath is where browsers ask for a site's icon.
const FaviconPath = "/favicon.ico"

var (
	faviconOnce sync.Once
	faviconICO  []byte
)

// favicon is the page's icon as an ICO file: a graph of three entities in
// the page's kind colours (a widget reading a query and a JS object), drawn
// here rather than committed as a binary.
func favicon() []byte {
	faviconOnce.Do(func() {
		var pngData bytes.Buffer
		if err := png.Encode(&pngData, drawFavicon(32)); err != nil {
			panic("web: favicon: " + err.Error()) // cannot happen: an in-memory RGBA image
		}
		// An ICO holding one PNG image: the 6-byte header, one 16-byte
		// directory entry, the PNG.
		var b bytes.Buffer
		_ = binary.Write(&b, binary.LittleEndian, [3]uint16{0, 1, 1})
		b.Write([]byte{32, 32, 0, 0})
		_ = binary.Write(&b, binary.LittleEndian, [2]uint16{1, 32})
		_ = binary.Write(&b, binary.LittleEndian, [2]uint32{uint32(pngData.Len()), 6 + 16})
		b.Write(pngData.Bytes())
		faviconICO = b.Bytes()
	})
	return faviconICO
}

func drawFavicon(size int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	s := float64(size) / 32
	bg := color.RGBA{0x0f, 0x17, 0x2a, 0xff}
	line := color.RGBA{0x94, 0xa3, 0xb8, 0xff}
	nodes := []struct {
		x, y float64
		c    color.RGBA
	}{
		{9, 16, color.RGBA{0x60, 0xa5, 0xfa, 0xff}},    // widget
		{24, 8.5, color.RGBA{0xf5, 0x9e, 0x0b, 0xff}},  // query
		{24, 23.5, color.RGBA{0x22, 0xc5, 0x5e, 0xff}}, // JS object
	}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := (float64(x)+0.5)/s, (float64(y)+0.5)/s
			// A rounded square: coverage from the distance to its edge.
			out := color.RGBA{}
			if a := cover(roundedSquare(px, py, 32, 6)); a > 0 {
				out = blend(out, bg, a)
			}
			for _, n := range nodes[1:] {
				out = blend(out, line, cover(segment(px, py, nodes[0].x, nodes[0].y, n.x, n.y)-1.1))
			}
			for _, n := range nodes {
				out = blend(out, n.c, cover(math.Hypot(px-n.x, py-n.y)-4.6))
			}
			img.SetRGBA(x, y, out)
		}
	}
	return img
}

// cover turns a signed distance (negative inside) into a coverage in [0, 1].
func cover(d float64) float64 { return math.Max(0, math.Min(1, 0.5-d)) }

func roundedSquare(x, y, side, r float64) float64 {
	qx := math.Abs(x-side/2) - (side/2 - r)
	qy := math.Abs(y-side/2) - (side/2 - r)
	return math.Hypot(math.Max(qx, 0), math.Max(qy, 0)) + math.Min(math.Max(qx, qy), 0) - r
}

func segment(x, y, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := math.Max(0, math.Min(1, ((x-ax)*dx+(y-ay)*dy)/(dx*dx+dy*dy)))
	return math.Hypot(x-(ax+t*dx), y-(ay+t*dy))
}

// blend draws c over dst with coverage a (straight alpha).
func blend(dst, c color.RGBA, a float64) color.RGBA {
	if a <= 0 {
		return dst
	}
	da := float64(dst.A) / 255
	oa := a + da*(1-a)
	mix := func(s, d uint8) uint8 {
		return uint8(math.Round((float64(s)*a + float64(d)*da*(1-a)) / oa))
	}
	return color.RGBA{mix(c.R, dst.R), mix(c.G, dst.G), mix(c.B, dst.B), uint8(math.Round(oa * 255))}
}
