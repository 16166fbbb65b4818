/** The people of the test world: names and the groups the API server sees them in. */
export const TEST_USERS: Record<string, string[]> = {
  alice: ['vdi-users'],
  bob: ['vdi-users', 'vdi-admins'],
  carol: ['vdi-pool-admins'],
  dave: ['vdi-template-admins'],
  erin: ['vdi-power-users'],
  frank: ['vdi-users'],
  /** The operator in tests runs as this user, bound to nothing but the kubevdi:operator ClusterRole. */
  'kubevdi-operator': [],
};

export interface ClusterInfo {
  url: string;
  adminKubeconfig: string;
  userKubeconfigs: Record<string, string>;
  /** A kubectl of the same release as the API server. */
  kubectl: string;
}
