import Foundation

/// Process-wide allocator settings for the long-running daemon (not for tests or short CLI commands).
public enum MemoryTuning {
    /// Work comes in bursts on many threads (Dispatch, the cooperative pool, NIO). glibc's default of eight
    /// malloc arenas per core leaves memory freed after a backlog spread over arenas; two keep it reusable.
    /// Same effect as MALLOC_ARENA_MAX=2. mallopt is looked up because Swift's Glibc module does not export it.
    public static func limitMallocArenas() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        let arenaMaximum: Int32 = -8  // M_ARENA_MAX in malloc.h
        _ = mallopt(arenaMaximum, 2)
    }
}
