//go:build race

package sim

// raceDetector: built with -race, which makes a simulated day about ten
// times slower.
const raceDetector = true
