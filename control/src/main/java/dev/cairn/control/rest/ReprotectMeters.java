package dev.cairn.control.rest;

import dev.cairn.control.erasure.Reprotector;
import dev.cairn.control.model.ErasureLayout;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/** The reprotect's meters on the controller: BStores whose rebuild started and ended, their bytes and time. */
final class ReprotectMeters implements Reprotector.Meters {
    private final Counter started;
    private final Counter ended;
    private final Counter bytes;
    private final Timer time;

    ReprotectMeters(MeterRegistry registry) {
        started = Counter.builder("cairn.controller.reprotect.started")
                .description("BStores whose rebuild this peer started (lost past their class's repair timeout)")
                .register(registry);
        ended = Counter.builder("cairn.controller.reprotect.rebuilt")
                .description("BStores rebuilt and named in their PStores' layouts while this peer led")
                .register(registry);
        bytes = Counter.builder("cairn.controller.reprotect.rebuilt.bytes")
                .description("Bytes of the BStores rebuilt while this peer led")
                .baseUnit("bytes")
                .register(registry);
        time = Timer.builder("cairn.controller.reprotect.duration")
                .description("From a BStore's rebuild started to its new BStore named in the layout")
                .register(registry);
    }

    @Override
    public void started(int bstores) {
        started.increment(bstores);
    }

    @Override
    public void ended(ErasureLayout.Rebuild rebuild, long atMillis) {
        ended.increment();
        bytes.increment((double) rebuild.bstoreBytes());
        time.record(Duration.ofMillis(Math.max(0, atMillis - rebuild.sinceMillis())));
    }
}
