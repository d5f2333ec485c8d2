package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.RetryInfo;
import dev.opamp.gateway.proto.ServerErrorResponse;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import java.time.Duration;

/** The two error replies OpAMP defines: a request the agent must not resend, and "come back later". */
public final class ErrorResponses {

  /** The specification's recommended minimum retry interval. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(30);

  private ErrorResponses() {}

  public static ServerToAgent badRequest(ByteString uid, String message) {
    return ServerToAgent.newBuilder()
        .setInstanceUid(uid)
        .setCapabilities(ServerCapabilitySet.CURRENT)
        .setErrorResponse(ServerErrorResponse.newBuilder()
            .setType(ServerErrorResponseType.ServerErrorResponseType_BadRequest)
            .setErrorMessage(message))
        .build();
  }

  public static ServerToAgent unavailable(ByteString uid, String message, Duration retryAfter) {
    return ServerToAgent.newBuilder()
        .setInstanceUid(uid)
        .setCapabilities(ServerCapabilitySet.CURRENT)
        .setErrorResponse(ServerErrorResponse.newBuilder()
            .setType(ServerErrorResponseType.ServerErrorResponseType_Unavailable)
            .setErrorMessage(message)
            .setRetryInfo(RetryInfo.newBuilder().setRetryAfterNanoseconds(retryAfter.toNanos())))
        .build();
  }
}
