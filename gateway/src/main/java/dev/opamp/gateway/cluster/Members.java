package dev.opamp.gateway.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

/** Finding cluster members by gateway node name (the {@value ClusterNode#NODE_ATTRIBUTE} attribute). */
final class Members {

  private Members() {}

  static Member named(HazelcastInstance hazelcast, String node) {
    for (Member m : hazelcast.getCluster().getMembers()) {
      if (node.equals(m.getAttribute(ClusterNode.NODE_ATTRIBUTE))) {
        return m;
      }
    }
    return null;
  }

  static String nodeOf(Member member) {
    String name = member.getAttribute(ClusterNode.NODE_ATTRIBUTE);
    return name == null ? member.getUuid().toString() : name;
  }

  /** The oldest member does the cluster's housekeeping, so exactly one node does each sweep. */
  static boolean localIsOldest(HazelcastInstance hazelcast) {
    return hazelcast.getCluster().getMembers().iterator().next().localMember();
  }
}
