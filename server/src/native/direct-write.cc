// Writes to a connected socket's descriptor from a Node-API call, with no
// stream, request object or callback in between: what libuv's uv_try_write
// does when a stream has nothing queued, minus the JavaScript around it
// (Writable state, a WriteWrap per write, the after-write tick). The caller
// (realtime/frame-writer.ts) only comes here when nothing is queued on the
// socket, and writes whatever the kernel did not take through the stream.
//
// Both functions return the bytes the kernel took (possibly fewer than given)
// or -errno (EAGAIN when its buffer is full). MSG_NOSIGNAL: a peer that went
// away is an EPIPE to report, not a SIGPIPE.
#include <node_api.h>

#include <cerrno>
#include <sys/socket.h>
#include <sys/uio.h>

namespace {

constexpr size_t kMaxIov = 64;

napi_value Result(napi_env env, ssize_t n) {
  napi_value out;
  napi_create_double(env, n < 0 ? -static_cast<double>(errno) : static_cast<double>(n), &out);
  return out;
}

napi_value Throw(napi_env env, const char* message) {
  napi_throw_type_error(env, nullptr, message);
  return nullptr;
}

// write(fd: number, frame: Buffer): number
napi_value Write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2) return Throw(env, "write(fd, buffer)");
  int32_t fd;
  void* data;
  size_t length;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return Throw(env, "fd must be a number");
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok) return Throw(env, "frame must be a Buffer");
  ssize_t n;
  do n = send(fd, data, length, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return Result(env, n);
}

// writev(fd: number, frames: Buffer[]): number (at most kMaxIov frames, exported as maxFrames)
napi_value Writev(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < 2) return Throw(env, "writev(fd, buffers)");
  int32_t fd;
  uint32_t count;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) return Throw(env, "fd must be a number");
  if (napi_get_array_length(env, argv[1], &count) != napi_ok) return Throw(env, "frames must be an array");
  if (count > kMaxIov) return Throw(env, "more frames than maxFrames");
  iovec iov[kMaxIov];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    if (napi_get_element(env, argv[1], i, &item) != napi_ok ||
        napi_get_buffer_info(env, item, &iov[i].iov_base, &iov[i].iov_len) != napi_ok)
      return Throw(env, "frames must hold Buffers");
  }
  msghdr msg{};
  msg.msg_iov = iov;
  msg.msg_iovlen = count;
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return Result(env, n);
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value max_frames;
  napi_create_uint32(env, kMaxIov, &max_frames);
  napi_property_descriptor props[] = {
      {"write", nullptr, Write, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"writev", nullptr, Writev, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxFrames", nullptr, nullptr, nullptr, nullptr, max_frames, napi_enumerable, nullptr},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}
