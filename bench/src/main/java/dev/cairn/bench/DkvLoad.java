package dev.cairn.bench;

import dev.cairn.dkv.DkvClient;
import dev.cairn.dkv.Layout;
import dev.cairn.dkv.LayoutCache;
import dev.cairn.dkv.NbdMirrors;
import dev.cairn.dkv.SlotCodec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The load of {@code bench/dkv.sh}: N clients, each putting (or getting) values of one full slot
 * (4,056 bytes) one at a time for a fixed time, against either Cairn's DKV (one shard mirrored on
 * three KV volumes, reached over NBD) or etcd (its v3 JSON gateway, requests spread over the
 * members). Prints one line: {@code TARGET OP CLIENTS ops/s p50_ms p99_ms}.
 *
 * <pre>
 *   DkvLoad dkv  put|get CLIENTS SECONDS HOST:PORT/EXTENT-ID/SECRET x3
 *   DkvLoad etcd put|get CLIENTS SECONDS http://HOST:PORT ...
 * </pre>
 *
 * Each client has keys of its own (as PStore layouts have), so puts of different clients do not
 * contend on one key in either store. Gets read keys put beforehand by the same run.
 */
public final class DkvLoad {
    private static final int KEYS_PER_CLIENT = 64;
    private static final byte[] VALUE = new byte[SlotCodec.MAX_VALUE];

    private DkvLoad() {}

    /** One store under load: a put or a get of one key, blocking. */
    private interface Store {
        void put(long key) throws Exception;

        void get(long key) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            throw new IllegalArgumentException(
                    "usage: DkvLoad dkv|etcd put|get CLIENTS SECONDS TARGET... (see the class comment)");
        }
        String target = args[0];
        boolean put = switch (args[1]) {
            case "put" -> true;
            case "get" -> false;
            default -> throw new IllegalArgumentException("operation is put or get, got " + args[1]);
        };
        int clients = Integer.parseInt(args[2]);
        Duration run = Duration.ofSeconds(Long.parseLong(args[3]));
        List<String> targets = Arrays.asList(args).subList(4, args.length);
        Arrays.fill(VALUE, (byte) 0x5a);
        List<Store> stores = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            stores.add(target.equals("dkv") ? dkv(targets, c + 1) : etcd(targets, c));
        }
        // Every key a get may read is put first (untimed).
        if (!put) {
            for (int c = 0; c < clients; c++) {
                for (int k = 0; k < KEYS_PER_CLIENT; k++) {
                    stores.get(c).put(key(c, k));
                }
            }
        }
        long[][] latencies = new long[clients][];
        long end = System.nanoTime() + run.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            threads.add(Thread.ofVirtual().start(() -> latencies[client] = load(stores.get(client), client, put, end)));
        }
        for (Thread t : threads) {
            t.join();
        }
        long[] all =
                Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
        System.out.printf(
                Locale.ROOT,
                "%s %s %d %.0f %.3f %.3f%n",
                target,
                args[1],
                clients,
                all.length / (run.toNanos() / 1e9),
                all[all.length / 2] / 1e6,
                all[(int) Math.min(all.length - 1, (long) (all.length * 0.99))] / 1e6);
        System.exit(0);
    }

    private static long key(int client, int k) {
        return Layout.RESERVED_KEYS + (long) client * KEYS_PER_CLIENT + k;
    }

    private static long[] load(Store store, int client, boolean put, long end) {
        long[] lat = new long[1 << 16];
        int n = 0;
        for (int i = 0; System.nanoTime() < end; i++) {
            long key = key(client, i % KEYS_PER_CLIENT);
            long t0 = System.nanoTime();
            try {
                if (put) {
                    store.put(key);
                } else {
                    store.get(key);
                }
            } catch (Exception e) {
                throw new IllegalStateException("client " + client + ": " + e.getMessage(), e);
            }
            if (n == lat.length) {
                lat = Arrays.copyOf(lat, n * 2);
            }
            lat[n++] = System.nanoTime() - t0;
        }
        return Arrays.copyOf(lat, n);
    }

    /** The DKV over three KV volumes given as HOST:PORT/EXTENT-ID/SECRET, at epoch 1. */
    private static Store dkv(List<String> mirrors, long writer) {
        Map<UUID, SocketAddress> addresses = new HashMap<>();
        Map<UUID, String> secrets = new HashMap<>();
        List<Layout.Mirror> list = new ArrayList<>();
        for (String m : mirrors) {
            String[] p = m.split("/", 3);
            String[] hp = p[0].split(":", 2);
            UUID id = UUID.fromString(p[1]);
            addresses.put(id, new InetSocketAddress(hp[0], Integer.parseInt(hp[1])));
            secrets.put(id, p[2]);
            list.add(new Layout.Mirror(id, 0, true));
        }
        Layout layout = new Layout(1, Layout.RESERVED_KEYS, 1 << 14, List.of(new Layout.Shard(0, list)));
        NbdMirrors connections = new NbdMirrors(
                new NbdMirrors.Locator() {
                    @Override
                    public SocketAddress address(UUID volume) {
                        return addresses.get(volume);
                    }

                    @Override
                    public String exportName(UUID volume, long epoch) {
                        // The node's export name of an extent under a generation (dev.cairn.node.ExportName).
                        return volume + ";gen=" + epoch + ";key=" + secrets.get(volume);
                    }
                },
                Duration.ofSeconds(10));
        DkvClient client =
                new DkvClient(new LayoutCache(() -> CompletableFuture.completedFuture(layout)), connections, writer);
        return new Store() {
            @Override
            public void put(long key) {
                client.put(key, ByteBuffer.wrap(VALUE)).join();
            }

            @Override
            public void get(long key) {
                if (client.get(key).join().isEmpty()) {
                    throw new IllegalStateException("key " + key + " has no value");
                }
            }
        };
    }

    /** etcd's v3 JSON gateway; client {@code c} sends to member {@code c mod n}. */
    private static Store etcd(List<String> members, int c) {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI base = URI.create(members.get(c % members.size()));
        Base64.Encoder b64 = Base64.getEncoder();
        String value = b64.encodeToString(VALUE);
        return new Store() {
            private String call(String path, String body) throws IOException, InterruptedException {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(base.resolve(path))
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException("etcd answered " + r.statusCode() + ": " + r.body());
                }
                return r.body();
            }

            private String k(long key) {
                return b64.encodeToString(Long.toString(key).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }

            @Override
            public void put(long key) throws IOException, InterruptedException {
                call("/v3/kv/put", "{\"key\":\"" + k(key) + "\",\"value\":\"" + value + "\"}");
            }

            @Override
            public void get(long key) throws IOException, InterruptedException {
                if (!call("/v3/kv/range", "{\"key\":\"" + k(key) + "\"}").contains("\"kvs\"")) {
                    throw new IOException("etcd has no value for key " + key);
                }
            }
        };
    }
}
