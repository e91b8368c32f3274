/// A fixed-size buffer that concurrent workers fill, each writing only its own index
/// (`DispatchQueue.concurrentPerform`); read only after they have all finished. Raw memory, so that
/// disjoint writes do not contend on one array's copy-on-write and exclusivity checks.
final class UnsafeSendableBuffer<Element>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(repeating: nil)
    }

    subscript(index: Int) -> Element? {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    var values: [Element] { storage.compactMap { $0 } }

    deinit {
        storage.deinitialize()
        storage.deallocate()
    }
}
