import Bench
import Testing

/// One reader for every implementation's output: the peers' scripts' lines as they print
/// them, and the benchmark's own children's.
@Suite("Reading an implementation's figures")
struct MMCFiguresTests {
    @Test("SimPy's output, with its event count")
    func simpy() throws {
        let output = """
        impl=simpy-4.1.2 N=1000 seed=42 done=1000 simtime=139.912
        Wq=0.8123456789 W=1.7998765432 Pwait=0.6900000000
        simpy_events_scheduled=4003
        run_seconds=0.0123 customers_per_s=81300 model_events_per_s=162600
        """
        let figures = try MMCFigures.parse(output).get()
        #expect(figures == MMCFigures(implementation: "simpy-4.1.2", customers: 1000, meanWait: 0.8123456789,
                                      meanSojourn: 1.7998765432, probabilityOfWaiting: 0.69, events: 4003, runSeconds: 0.0123))
    }

    @Test("Ciw's output: words without '=' are ignored, and it counts no events")
    func ciw() throws {
        let output = """
        impl=ciw-3.2.7 N=1000 seed=42 done=1000 simtime=140.001
        Wq=0.9000000000 W=1.9000000000 Pwait=0.7100000000
        run_seconds=0.0800 (records/stats 0.010s extra) customers_per_s=12500 model_events_per_s=25000
        """
        let figures = try MMCFigures.parse(output).get()
        #expect(figures.implementation == "ciw-3.2.7")
        #expect(figures.events == nil)
        #expect(figures.runSeconds == 0.08)
    }

    @Test("the benchmark's own children print what the reader reads back")
    func roundTrip() throws {
        let figures = MMCFigures(implementation: "plain", customers: 2000, meanWait: 0.871, meanSojourn: 1.866,
                                 probabilityOfWaiting: 0.7005, events: 4000, runSeconds: 0.000_123)
        #expect(try MMCFigures.parse(figures.lines(requested: 2000, seed: 42)).get() == figures)
    }

    @Test("a missing or malformed figure is named")
    func missing() {
        let output = "impl=simpy-4.1.2 N=10 seed=1 done=10\nWq=0.5 W=nan Pwait=0.5\nrun_seconds=0.1\n"
        guard case .failure(let problem) = MMCFigures.parse(output) else {
            Issue.record("W=nan was accepted")
            return
        }
        #expect(problem.description == "no W=NUMBER in its output")
        guard case .failure(let traceback) = MMCFigures.parse("Traceback (most recent call last):\nModuleNotFoundError\n") else {
            Issue.record("a traceback was accepted")
            return
        }
        #expect(traceback.key == "impl")
    }
}
