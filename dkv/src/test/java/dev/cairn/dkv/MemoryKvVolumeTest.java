package dev.cairn.dkv;

/** The KV volume contract on the in-memory volume the DKV's own tests use. */
class MemoryKvVolumeTest extends KvVolumeContract {
    @Override
    protected Fixture newVolume(long slots) {
        MemoryKvVolume volume = new MemoryKvVolume(slots);
        long[] epoch = {1};
        volume.epoch(1);
        return new Fixture() {
            @Override
            public KvVolume handle() {
                return volume.under(epoch[0]);
            }

            @Override
            public void nextEpoch() {
                volume.epoch(++epoch[0]);
            }
        };
    }
}
