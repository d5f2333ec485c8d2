package dev.opamp.gateway.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import dev.opamp.gateway.proto.ServerToAgent;
import java.io.Serializable;
import java.util.concurrent.Callable;

/** The work one node asks another to do for agents or sessions it holds. */
final class RoutedTasks {

  private RoutedTasks() {}

  /** Base: finds the target member's {@link LocalNode}. */
  abstract static class OnNode<T> implements Callable<T>, Serializable, HazelcastInstanceAware {
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance hazelcast;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcast) {
      this.hazelcast = hazelcast;
    }

    @Override
    public T call() {
      return run(LocalNode.of(hazelcast));
    }

    abstract T run(LocalNode node);
  }

  /** Delivers a server-initiated message to an agent this node holds. */
  static final class Deliver extends OnNode<LocalNode.Delivery> {
    private static final long serialVersionUID = 1L;
    private final String uidKey;
    private final byte[] message;
    private final long requiredCapabilities;

    Deliver(String uidKey, ServerToAgent message, long requiredCapabilities) {
      this.uidKey = uidKey;
      this.message = message.toByteArray();
      this.requiredCapabilities = requiredCapabilities;
    }

    @Override
    LocalNode.Delivery run(LocalNode node) {
      try {
        return node.deliver(uidKey, ServerToAgent.parseFrom(message), requiredCapabilities);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt routed message", e);
      }
    }
  }

  /** Closes a session whose agent has connected to another node. */
  static final class CloseStale extends OnNode<Boolean> {
    private static final long serialVersionUID = 1L;
    private final String uidKey;
    private final long epoch;

    CloseStale(String uidKey, long epoch) {
      this.uidKey = uidKey;
      this.epoch = epoch;
    }

    @Override
    Boolean run(LocalNode node) {
      return node.closeStale(uidKey, epoch);
    }
  }

  /** Starts draining the node; answers how many agents it held. */
  static final class Drain extends OnNode<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    Integer run(LocalNode node) {
      return node.drain();
    }
  }

  /** Ends a drain: the node takes agents again. */
  static final class Resume extends OnNode<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    Integer run(LocalNode node) {
      node.resume();
      return node.sessions().size();
    }
  }
}
