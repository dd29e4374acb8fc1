package demo_test

import "os"

func makeTemp() (string, error) { return os.MkdirTemp("", "demo-example-") }
func removeAll(dir string)      { _ = os.RemoveAll(dir) }
