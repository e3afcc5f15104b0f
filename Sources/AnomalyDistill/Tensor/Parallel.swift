import Dispatch

/// Work split over threads. The library's one unsafe concurrency step lives here, explained once: several
/// threads writing *disjoint* parts of one buffer (or reading shared buffers) through pointers that Swift
/// cannot prove safe to share. It is safe because (1) every index or chunk is handed to exactly one thread,
/// so no two threads touch the same element; and (2) `DispatchQueue.concurrentPerform` returns only after
/// every iteration has finished, so the buffers outlive every use and their writes are visible to the caller
/// afterwards.
public enum Parallel {
    /// `body(i)` for every `i` in `0..<count`, in parallel; the results in index order, or the first error
    /// (by index) rethrown after every iteration has finished.
    public static func map<T>(count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
        var slots = [Result<T, any Error>?](repeating: nil, count: count)
        slots.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let slots = slots  // each iteration writes its own slot only (see the type)
            DispatchQueue.concurrentPerform(iterations: count) { index in slots[index] = Result { try body(index) } }
        }
        return try slots.map { try $0!.get() }
    }

    /// `body(chunk)` for consecutive chunks of `0..<count` of `chunk` indices, on up to `threads` threads
    /// (each thread takes every `threads`-th chunk); on the calling thread when one suffices.
    public static func forEachChunk(count: Int, chunk: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunkCount = (count + chunk - 1) / chunk
        let workers = max(1, min(threads, chunkCount))
        if workers == 1 {
            for c in 0..<chunkCount { body((c * chunk)..<min(count, (c + 1) * chunk)) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var c = worker
            while c < chunkCount {
                body((c * chunk)..<min(count, (c + 1) * chunk))
                c += workers
            }
        }
    }

    /// ``forEachChunk(count:chunk:threads:_:)`` with `shared` — buffers, usually a tuple of pointers — handed
    /// to every chunk. The caller's promise: each chunk writes only the elements of its own indices.
    public static func forEachChunk<Shared>(count: Int, chunk: Int, threads: Int, sharing shared: Shared,
                                            _ body: @Sendable (Range<Int>, Shared) -> Void) {
        nonisolated(unsafe) let shared = shared  // disjoint writes, buffers outliving the loop (see the type)
        forEachChunk(count: count, chunk: chunk, threads: threads) { range in body(range, shared) }
    }

    /// `body(part, shared)` for `part` in `0..<parts` in parallel (one part per iteration), with `shared`
    /// handed to every part under the same promise.
    public static func forEachPart<Shared>(_ parts: Int, sharing shared: Shared, _ body: @Sendable (Int, Shared) -> Void) {
        nonisolated(unsafe) let shared = shared  // disjoint writes, buffers outliving the loop (see the type)
        if parts == 1 { body(0, shared); return }
        DispatchQueue.concurrentPerform(iterations: parts) { part in body(part, shared) }
    }

    /// Fills `output` in parallel: `body(chunk, output)` writes the elements of its chunk's indices.
    public static func fill<T>(_ output: inout [T], chunk: Int, threads: Int,
                               _ body: @Sendable (Range<Int>, UnsafeMutableBufferPointer<T>) -> Void) {
        let count = output.count
        output.withUnsafeMutableBufferPointer { buffer in
            forEachChunk(count: count, chunk: chunk, threads: threads, sharing: buffer, body)
        }
    }
}
