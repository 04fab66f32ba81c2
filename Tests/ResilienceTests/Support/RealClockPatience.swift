/// How long a test on a real clock waits before it calls something a hang.
///
/// Real-clock tests check behaviour, not speed. Under `swift test` (parallel) on a
/// two-core machine, CPU-bound property tests can hold every cooperative thread for a
/// minute or more, and a 10 ms sleep then ends a minute late: any bound tighter than
/// the whole suite's length fails on a busy machine without anything being wrong.
let realClockPatience: Duration = .seconds(600)
