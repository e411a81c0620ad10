//go:build !linux

package socketio

import "errors"

// newPlatformBatchSender: batched socket writes are Linux's io_uring; other
// systems write one connection at a time.
func newPlatformBatchSender(int) (batchSender, error) { return nil, errNoBatchSender }

// errNoBatchSender: this system has no batchSender.
var errNoBatchSender = errors.New("socketio: no batched socket writes on this system")
