import DWTRelayCore
import Testing

/// The sender's actor runs on `BlockingWorkExecutor`: its blocking store calls run on the executor's own
/// thread, never on the cooperative pool, and calls into it stay serialised.
@Suite struct BlockingWorkExecutorTests {
    actor Counter {
        let executor = BlockingWorkExecutor(label: "test.blocking")
        nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
        var value = 0
        var ranElsewhere = 0

        func increment() {
            if !executor.isCurrent { ranElsewhere += 1 }
            let before = value
            value = before + 1
        }
    }

    @Test func anActorOnItRunsOnItsThreadOneCallAtATime() async {
        let counter = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<1000 { group.addTask { await counter.increment() } }
        }
        #expect(await counter.value == 1000)
        #expect(await counter.ranElsewhere == 0)
        #expect(!counter.executor.isCurrent, "the test itself runs on the cooperative pool")
    }
}
