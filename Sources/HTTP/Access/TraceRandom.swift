/// The random numbers behind generated trace and span ids: wyrand (Wang Yi's 64-bit generator), seeded from
/// the system's generator once per event loop and then confined to that loop's thread.
///
/// Why not `SystemRandomNumberGenerator` per request: on Linux each of its draws is a `getrandom` system
/// call, and a request needs three (trace high, trace low, span). Trace ids need to be unique and
/// unpredictable enough to spread over a tracing backend (W3C Trace Context §"random" flag), not secret:
/// nothing is authorised by them, so a fast, well-distributed generator with an unpredictable seed fits.
struct TraceRandom: RandomNumberGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0xA076_1D64_78BD_642F
        let product = state.multipliedFullWidth(by: state ^ 0xE703_7ED1_A0B4_28DB)
        return product.high ^ product.low
    }
}
