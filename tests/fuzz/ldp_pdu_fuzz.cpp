// libFuzzer target: LDP PDUs as a peer (or anyone who reaches TCP/UDP 646)
// may send them. Decoding never reads out of bounds or crashes; what
// decodes encodes to bytes that decode to the same PDU.
#include <cstdlib>

#include "controlplane/ldp/pdu.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aggr::ldp;
  Pdu pdu;
  if (!decode_pdu({data, size}, &pdu, 0xFFFF).ok()) return 0;
  Pdu again;
  if (!decode_pdu(encode_pdu(pdu), &again, 0xFFFF).ok() || !(again == pdu)) std::abort();
  return 0;
}
