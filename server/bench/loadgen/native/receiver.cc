// The load generator's native receive path (Linux, N-API).
//
// Why native: a Node client pays ~17 µs of its own CPU per received frame at
// low rates (epoll wakeup, libuv read, the stream machinery, a JS callback per
// read), more than the servers it measures spend per delivered message. On two
// shared cores that cost competes with the server for CPU during every fan-out,
// so latencies measured the generator as much as the server. Here one thread
// per client-worker process reads every socket it was handed with epoll,
// splits WebSocket frames, counts probe-marked events per client and timestamps
// one in `sampleEvery`; nothing per frame reaches JavaScript. Frames that are
// not events (heartbeats, close frames) and closed sockets are handed back to
// JavaScript, which answers them through the `ws` client that did the
// handshake (so every protocol's logic stays in TypeScript).
//
// Ownership of a socket: JavaScript stops reading it (libuv drops its read
// interest) before `add`, and calls `remove` before it closes the descriptor;
// one mutex orders those calls against the reader thread, so the thread never
// reads a descriptor that was closed (and perhaps reused).

#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

const char kMark[] = "@@t=";
const size_t kMarkLen = 4;
const size_t kMaxSamples = 400000;
const size_t kMaxFrame = 16 << 20;

struct Conn {
  int fd = -1;
  uint32_t gen = 0;      // JavaScript's socket generation, carried by notes
  bool active = false;   // owned by the reader (added, not removed)
  bool watched = false;  // in the epoll set (not paused)
  std::vector<uint8_t> pending;  // bytes of an incomplete frame
  std::vector<uint8_t> message;  // payload of a fragmented message so far
  uint8_t messageOpcode = 0;
};

// Handed to JavaScript through the thread-safe function.
struct Note {
  uint32_t index;
  uint32_t gen;
  int32_t opcode;  // WebSocket opcode, or -1: socket closed (code in `closeCode`)
  int32_t closeCode;
  std::string payload;
};

struct Receiver {
  std::mutex mu;
  int epfd = -1;
  int wakeFd[2] = {-1, -1};
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::vector<Conn> conns;
  std::vector<int32_t> counts;
  int64_t received = 0;
  int64_t other = 0;
  uint32_t sampleEvery = 0;
  uint32_t countdown = 0;
  std::vector<double> samples;
  double clockOffsetMs = 0;  // JavaScript's nowMs() minus CLOCK_MONOTONIC in ms
  napi_threadsafe_function notes = nullptr;
  std::mt19937 rng{12345};
};

Receiver* R = nullptr;

double monoMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

void post(uint32_t index, int32_t opcode, int32_t closeCode, const uint8_t* data, size_t len) {
  Note* n = new Note{index, R->conns[index].gen, opcode, closeCode, std::string(reinterpret_cast<const char*>(data), len)};
  if (napi_call_threadsafe_function(R->notes, n, napi_tsfn_blocking) != napi_ok) delete n;
}

// Called with the lock held. Returns false once the connection is finished.
bool onMessage(uint32_t index, uint8_t opcode, const uint8_t* data, size_t len) {
  if (opcode == 1 || opcode == 2) {
    const void* mark = memmem(data, len, kMark, kMarkLen);
    if (mark != nullptr) {
      R->counts[index]++;
      R->received++;
      if (R->sampleEvery > 0 && --R->countdown == 0) {
        R->countdown = R->sampleEvery;
        double at = monoMs() + R->clockOffsetMs;
        // The send time runs from the mark to the next ';' (payload.ts).
        const char* start = static_cast<const char*>(mark) + kMarkLen;
        const char* end = static_cast<const char*>(memchr(start, ';', len - (start - reinterpret_cast<const char*>(data))));
        if (end != nullptr && end - start < 40 && R->samples.size() < kMaxSamples) {
          char num[48];
          memcpy(num, start, end - start);
          num[end - start] = 0;
          char* stop = nullptr;
          double sent = strtod(num, &stop);
          if (stop != num) R->samples.push_back(at - sent);
        }
      }
      return true;
    }
    R->other++;
    post(index, opcode, 0, data, len);
    return true;
  }
  if (opcode == 8) {
    int32_t code = len >= 2 ? (data[0] << 8) | data[1] : 1005;
    post(index, -1, code, nullptr, 0);
    return false;
  }
  // ping (9) / pong (10): JavaScript answers pings.
  post(index, opcode, 0, data, len);
  return true;
}

// Splits `pending` into frames. Returns false once the connection is finished.
bool parse(uint32_t index, Conn& c) {
  std::vector<uint8_t>& b = c.pending;
  size_t off = 0;
  bool alive = true;
  while (alive && b.size() - off >= 2) {
    const uint8_t* p = b.data() + off;
    size_t avail = b.size() - off;
    bool fin = (p[0] & 0x80) != 0;
    uint8_t opcode = p[0] & 0x0f;
    bool masked = (p[1] & 0x80) != 0;
    uint64_t len = p[1] & 0x7f;
    size_t hdr = 2;
    if (len == 126) {
      if (avail < 4) break;
      len = (uint64_t(p[2]) << 8) | p[3];
      hdr = 4;
    } else if (len == 127) {
      if (avail < 10) break;
      len = 0;
      for (int i = 0; i < 8; i++) len = (len << 8) | p[2 + i];
      hdr = 10;
    }
    if (masked || len > kMaxFrame) {
      // A server never masks; either way the stream cannot be followed further.
      post(index, -1, 1002, nullptr, 0);
      return false;
    }
    if (avail < hdr + len) break;
    const uint8_t* payload = p + hdr;
    off += hdr + len;
    if (opcode >= 8) {
      alive = onMessage(index, opcode, payload, len);
    } else if (fin && opcode != 0 && c.message.empty()) {
      alive = onMessage(index, opcode, payload, len);
    } else {
      if (opcode != 0) c.messageOpcode = opcode;
      c.message.insert(c.message.end(), payload, payload + len);
      if (fin) {
        alive = onMessage(index, c.messageOpcode, c.message.data(), c.message.size());
        c.message.clear();
      }
    }
  }
  b.erase(b.begin(), b.begin() + off);
  return alive;
}

void unwatch(Conn& c) {
  if (c.watched) epoll_ctl(R->epfd, EPOLL_CTL_DEL, c.fd, nullptr);
  c.watched = false;
}

void finish(Conn& c) {
  unwatch(c);
  c.active = false;
}

void run() {
  const int kEvents = 256;
  epoll_event events[kEvents];
  std::vector<uint8_t> buf(256 * 1024);
  while (!R->stopping.load()) {
    int n = epoll_wait(R->epfd, events, kEvents, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    std::lock_guard<std::mutex> lock(R->mu);
    for (int i = 0; i < n; i++) {
      uint64_t key = events[i].data.u64;
      if (key == UINT64_MAX) continue;  // the wake pipe: re-check `stopping`
      uint32_t index = static_cast<uint32_t>(key);
      if (index >= R->conns.size()) continue;
      Conn& c = R->conns[index];
      if (!c.active || !c.watched) continue;  // removed or paused since epoll_wait returned
      for (;;) {
        ssize_t got = read(c.fd, buf.data(), buf.size());
        if (got > 0) {
          c.pending.insert(c.pending.end(), buf.data(), buf.data() + got);
          if (!parse(index, c)) {
            finish(c);
            break;
          }
          if (static_cast<size_t>(got) < buf.size()) break;
          continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (got < 0 && errno == EINTR) continue;
        // EOF or a reset: closed without a close frame.
        finish(c);
        post(index, -1, 1006, nullptr, 0);
        break;
      }
    }
  }
}

// ---- JavaScript side ----------------------------------------------------------

#define CHECK(call)                                                  \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      napi_throw_error(env, nullptr, "receiver: N-API call failed"); \
      return nullptr;                                                \
    }                                                                \
  } while (0)

void callJs(napi_env env, napi_value fn, void*, void* data) {
  Note* n = static_cast<Note*>(data);
  if (env != nullptr && fn != nullptr) {
    napi_value args[4], undef, out;
    napi_create_uint32(env, n->index, &args[0]);
    napi_create_uint32(env, n->gen, &args[1]);
    napi_create_int32(env, n->opcode, &args[2]);
    if (n->opcode == -1) {
      napi_create_int32(env, n->closeCode, &args[3]);
    } else {
      void* bytes = nullptr;
      napi_create_buffer_copy(env, n->payload.size(), n->payload.data(), &bytes, &args[3]);
    }
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, fn, 4, args, &out);
  }
  delete n;
}

bool argsOf(napi_env env, napi_callback_info info, size_t want, napi_value* out) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, out, nullptr, nullptr) != napi_ok || argc < want) {
    napi_throw_type_error(env, nullptr, "receiver: missing arguments");
    return false;
  }
  return true;
}

uint32_t u32(napi_env env, napi_value v) {
  uint32_t x = 0;
  napi_get_value_uint32(env, v, &x);
  return x;
}

// start(size, nowMs, onNote(index, gen, opcode, payloadOrCloseCode))
napi_value Start(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!argsOf(env, info, 3, argv)) return nullptr;
  if (R != nullptr) {
    napi_throw_error(env, nullptr, "receiver: already started");
    return nullptr;
  }
  double now = 0;
  CHECK(napi_get_value_double(env, argv[1], &now));
  R = new Receiver();
  R->conns.resize(u32(env, argv[0]));
  R->counts.assign(R->conns.size(), 0);
  R->clockOffsetMs = now - monoMs();
  napi_value name;
  CHECK(napi_create_string_utf8(env, "receiver-notes", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[2], nullptr, name, 0, 1, nullptr, nullptr, nullptr, callJs, &R->notes));
  // Notes must not keep the process alive on their own.
  CHECK(napi_unref_threadsafe_function(env, R->notes));
  R->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (R->epfd < 0 || pipe2(R->wakeFd, O_CLOEXEC | O_NONBLOCK) != 0) {
    napi_throw_error(env, nullptr, "receiver: epoll_create1/pipe2 failed");
    return nullptr;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = UINT64_MAX;
  epoll_ctl(R->epfd, EPOLL_CTL_ADD, R->wakeFd[0], &ev);
  R->thread = std::thread(run);
  return nullptr;
}

bool watch(Conn& c, uint32_t index) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = index;
  if (epoll_ctl(R->epfd, EPOLL_CTL_ADD, c.fd, &ev) != 0) return false;
  c.watched = true;
  return true;
}

// add(index, fd, gen): the reader owns reading this socket from now on.
napi_value Add(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!argsOf(env, info, 3, argv)) return nullptr;
  uint32_t index = u32(env, argv[0]);
  int fd = static_cast<int>(u32(env, argv[1]));
  uint32_t gen = u32(env, argv[2]);
  std::lock_guard<std::mutex> lock(R->mu);
  if (index >= R->conns.size()) {
    napi_throw_range_error(env, nullptr, "receiver: index out of range");
    return nullptr;
  }
  Conn& c = R->conns[index];
  if (c.active) unwatch(c);
  c = Conn();
  c.fd = fd;
  c.gen = gen;
  c.active = true;
  if (!watch(c, index)) {
    c.active = false;
    napi_throw_error(env, nullptr, strerror(errno));
  }
  return nullptr;
}

// Runs `fn(conn, index)` under the lock for the connection its one argument names (ignored when out of range).
template <typename Fn>
napi_value withConn(napi_env env, napi_callback_info info, Fn fn) {
  napi_value argv[1];
  if (!argsOf(env, info, 1, argv)) return nullptr;
  uint32_t index = u32(env, argv[0]);
  std::lock_guard<std::mutex> lock(R->mu);
  if (index < R->conns.size()) fn(R->conns[index], index);
  return nullptr;
}

// remove(index): call before closing the socket.
napi_value Remove(napi_env env, napi_callback_info info) {
  return withConn(env, info, [](Conn& c, uint32_t) { finish(c); });
}

// pause(index) / resume(index): stop and restart reading (slow consumers).
napi_value Pause(napi_env env, napi_callback_info info) {
  return withConn(env, info, [](Conn& c, uint32_t) {
    if (c.active) unwatch(c);
  });
}

napi_value Resume(napi_env env, napi_callback_info info) {
  return withConn(env, info, [](Conn& c, uint32_t index) {
    if (c.active && !c.watched) watch(c, index);
  });
}

// reset(sampleEvery): zero the counters, start sampling every Nth event.
napi_value Reset(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!argsOf(env, info, 1, argv)) return nullptr;
  std::lock_guard<std::mutex> lock(R->mu);
  R->sampleEvery = u32(env, argv[0]);
  R->countdown = R->sampleEvery > 0 ? 1 + R->rng() % R->sampleEvery : 0;
  std::fill(R->counts.begin(), R->counts.end(), 0);
  R->received = 0;
  R->other = 0;
  R->samples.clear();
  return nullptr;
}

// read(counts: Int32Array) -> { received, other, samples: Float64Array }:
// adds the per-client counts into `counts` and returns the totals.
napi_value Read(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!argsOf(env, info, 2, argv)) return nullptr;
  bool withSamples = false;
  CHECK(napi_get_value_bool(env, argv[1], &withSamples));
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr));
  if (type != napi_int32_array) {
    napi_throw_type_error(env, nullptr, "receiver: counts must be an Int32Array");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(R->mu);
  int32_t* out = static_cast<int32_t*>(data);
  for (size_t i = 0; i < length && i < R->counts.size(); i++) out[i] += R->counts[i];
  napi_value result, v;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_double(env, static_cast<double>(R->received), &v));
  CHECK(napi_set_named_property(env, result, "received", v));
  CHECK(napi_create_double(env, static_cast<double>(R->other), &v));
  CHECK(napi_set_named_property(env, result, "other", v));
  if (withSamples) {
    napi_value ab, arr;
    void* bytes = nullptr;
    CHECK(napi_create_arraybuffer(env, R->samples.size() * sizeof(double), &bytes, &ab));
    if (!R->samples.empty()) memcpy(bytes, R->samples.data(), R->samples.size() * sizeof(double));
    CHECK(napi_create_typedarray(env, napi_float64_array, R->samples.size(), ab, 0, &arr));
    CHECK(napi_set_named_property(env, result, "samples", arr));
  }
  return result;
}

// stop(): ends the thread (every socket must have been removed).
napi_value Stop(napi_env, napi_callback_info) {
  if (R == nullptr) return nullptr;
  R->stopping.store(true);
  char one = 1;
  if (write(R->wakeFd[1], &one, 1) < 0) {
  }
  R->thread.join();
  close(R->epfd);
  close(R->wakeFd[0]);
  close(R->wakeFd[1]);
  napi_release_threadsafe_function(R->notes, napi_tsfn_abort);
  delete R;
  R = nullptr;
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"add", nullptr, Add, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"remove", nullptr, Remove, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pause", nullptr, Pause, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resume", nullptr, Resume, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reset", nullptr, Reset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"read", nullptr, Read, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stop", nullptr, Stop, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
