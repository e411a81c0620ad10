//go:build !linux

package socketio

import "errors"

// poller is Linux's epoll; elsewhere every connection has a reader
// goroutine blocked in its read (conn.readBlocking).
type poller struct{}

func newPoller() (*poller, error) { return nil, errNoEpoll }

func (p *poller) add(*conn) error   { return errors.New("socketio: no poller") }
func (p *poller) rearm(*conn) error { return errors.New("socketio: no poller") }
func (p *poller) remove(*conn)      {}
func (p *poller) close()            {}
func (p *poller) watching() int     { return 0 }
func (p *poller) pollNow(*pollBuf)  {}

type pollBuf struct{}

var errNoEpoll = errors.New("socketio: no epoll on this system")
