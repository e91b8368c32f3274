/// What one turn of the sender's loop needs from around it: time to pass, and requests to start.
///
/// The daemon's world (`LiveSenderWorld`) is the injected clock, the wake signal and a task per request;
/// the model test's is simulated time and its model of the service. Everything else a turn does (the
/// gates, claims, the store, result files, the token path) is `DeliveryWorker`'s own code in both.
protocol SenderWorld: Sendable {
    /// Sleeps `seconds` (on the worker's monotonic clock) or until a wake-up: new work, an answer, an
    /// operator's release. Nil: until a wake-up only (a request in flight ends within its timeout).
    func sleep(for seconds: Double?) async
    /// Waits out a pacing delay; wake-ups do not cut it short, a stop does.
    func pace(for seconds: Double) async
    /// Starts sending a claimed movement (the worker's `deliver`); returns without waiting for the answer.
    func start(_ delivery: Delivery, paymentProbe: String?) async
}

/// The daemon's world: sleeps on the injected clock and the wake signal; each request runs as a child
/// task of the worker's `run()` (handed over through `launches`), so a stop waits for it or cancels it.
struct LiveSenderWorld<C: Clock>: SenderWorld where C.Duration == Duration {
    struct Launch: Sendable {
        var delivery: Delivery
        var paymentProbe: String?
    }

    let clock: C
    let wake: WakeSignal
    let shutdown: StopFlag
    let launches: AsyncStream<Launch>.Continuation

    func sleep(for seconds: Double?) async {
        guard let seconds else { return await wake.wait() }
        // One millisecond late rather than early: a deadline met exactly is a due one.
        await wake.wait(until: clock.now.advanced(by: .milliseconds(Int64(seconds * 1000) + 1)), clock: clock)
    }

    func pace(for seconds: Double) async {
        let deadline = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        while !shutdown.isSet && clock.now < deadline { await wake.wait(until: deadline, clock: clock) }
    }

    func start(_ delivery: Delivery, paymentProbe: String?) async {
        launches.yield(Launch(delivery: delivery, paymentProbe: paymentProbe))
    }
}
